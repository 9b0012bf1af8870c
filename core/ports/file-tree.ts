import type { Readable } from 'node:stream';

export interface FileEntry {
  /** Path relative to the mail root, `/`-separated. */
  path: string;
  size: number;
}

/**
 * The mail root as a tree of files (XMail filelist/cfgfileget/cfgfileset, mailproc.tab,
 * custdomains/*.tab). On the file adapter it is the real directory; on the others a virtual tree.
 * Paths arrive checked by `checkMailRootPath`; the file adapter must also refuse any that resolves
 * outside the root through a symlink.
 */
export interface FileTree {
  /** null when absent. */
  readFile(path: string): Promise<Buffer | null>;
  /** Atomically replaces the file (readers see the old or the new content, never a mix). */
  writeFile(path: string, content: Buffer | Readable): Promise<void>;
  /** Resolves false when it did not exist. */
  deleteFile(path: string): Promise<boolean>;
  /** Regular files directly inside `dir` (not recursive), sorted by name. */
  listFiles(dir: string): Promise<FileEntry[]>;
  /**
   * Whether `dir` is a directory of the tree (`''`, the root, always is). In a virtual tree a
   * directory exists while some file lies below it. XMail's filelist tells a missing directory
   * (-00211) from an empty one.
   */
  hasDirectory(dir: string): Promise<boolean>;
  /**
   * Every file of the tree, recursively, except those that hold the adapter's own records of the
   * other ports (on the file adapter: its tables, journals, folders and blobs), so that
   * `storage copy` carries configuration files (mailproc.tab, custdomains/*.tab, server.tab ...)
   * without duplicating data the other ports copy.
   */
  walkFiles(): AsyncIterable<FileEntry>;
}
