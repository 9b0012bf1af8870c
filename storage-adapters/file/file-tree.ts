/**
 * The mail root itself as the FileTree. Paths arrive in checkMailRootPath's one spelling (relative,
 * no `..`, no empty or `.` components); what is left to refuse is a path that leaves the root
 * through a symlink, so every access resolves the deepest existing ancestor with realpath and
 * requires it inside the root.
 *
 * The adapter's own records (tables, journals, folders, blobs, locks: core/model/mail-root.ts
 * `isReservedMailRootPath`) are not part of the tree: they read as absent and cannot be written, as
 * on the other adapters, whose trees never held them. Admin protocols change that data through their
 * commands, never by overwriting a journal.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { InvalidNameError, isReservedMailRootPath } from '../../core/model/index.js';
import type { FileEntry, FileTree } from '../../core/ports/index.js';
import { writeAtomic } from './durable-fs.js';
import type { Layout } from './layout.js';

export class FileFileTree implements FileTree {
  private realRoot: string | null = null;

  constructor(private readonly layout: Layout) {}

  async readFile(rel: string): Promise<Buffer | null> {
    if (isReservedMailRootPath(rel)) return null;
    // Opened first: most reads on the delivery path are of files that do not exist (a mailproc.tab
    // per user and domain), and a failed open settles those without resolving the path. A file
    // that does exist must then resolve inside the root before a byte of it is returned.
    let handle;
    try {
      handle = await fs.open(path.join(this.layout.root, rel), 'r');
    } catch (err) {
      if (['ENOENT', 'ENOTDIR'].includes((err as NodeJS.ErrnoException).code ?? '')) return null;
      throw err;
    }
    try {
      if ((await this.resolve(rel)) === null) return null;
      return await handle.readFile();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EISDIR') return null;
      throw err;
    } finally {
      await handle.close();
    }
  }

  async writeFile(rel: string, content: Buffer | Readable): Promise<void> {
    this.refuseRecord(rel);
    const parent = path.dirname(path.join(this.layout.root, rel));
    await this.resolve(path.relative(this.layout.root, parent));
    await fs.mkdir(parent, { recursive: true, mode: this.layout.modes.dir });
    await this.resolve(path.relative(this.layout.root, parent));
    await writeAtomic(this.layout, path.join(parent, path.basename(rel)), content);
  }

  async deleteFile(rel: string): Promise<boolean> {
    this.refuseRecord(rel);
    const parent = await this.resolve(path.dirname(rel));
    if (parent === null) return false;
    try {
      await fs.unlink(path.join(parent, path.basename(rel)));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  async listFiles(dir: string): Promise<FileEntry[]> {
    const real = await this.resolve(dir);
    if (real === null) return [];
    let entries;
    try {
      entries = await fs.readdir(real, { withFileTypes: true });
    } catch (err) {
      if (['ENOENT', 'ENOTDIR'].includes((err as NodeJS.ErrnoException).code ?? '')) return [];
      throw err;
    }
    const files: FileEntry[] = [];
    for (const entry of entries
      .filter(
        (e) => e.isFile() && !isReservedMailRootPath(dir === '' || dir === '.' ? e.name : `${dir}/${e.name}`),
      )
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      try {
        const { size } = await fs.stat(path.join(real, entry.name));
        files.push({ path: dir === '' || dir === '.' ? entry.name : `${dir}/${entry.name}`, size });
      } catch {
        // Removed while listing.
      }
    }
    return files;
  }

  async hasDirectory(dir: string): Promise<boolean> {
    if (dir === '') return true;
    if (isReservedMailRootPath(dir)) return false;
    const real = await this.resolve(dir);
    if (real === null) return false;
    return (await fs.stat(real)).isDirectory();
  }

  private refuseRecord(rel: string): void {
    if (isReservedMailRootPath(rel)) {
      throw new InvalidNameError(
        'path',
        rel,
        "it holds the file storage's own records; use the admin commands",
      );
    }
  }

  /** Everything under the root except the adapter's own records. */
  async *walkFiles(): AsyncIterable<FileEntry> {
    yield* this.walk('');
  }

  private async *walk(dir: string): AsyncIterable<FileEntry> {
    let entries;
    try {
      entries = await fs.readdir(path.join(this.layout.root, dir), { withFileTypes: true });
    } catch (err) {
      if (['ENOENT', 'ENOTDIR'].includes((err as NodeJS.ErrnoException).code ?? '')) return;
      throw err;
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const rel = dir === '' ? entry.name : `${dir}/${entry.name}`;
      if (isReservedMailRootPath(rel)) continue;
      if (entry.isDirectory()) yield* this.walk(rel);
      else if (entry.isFile()) {
        try {
          yield { path: rel, size: (await fs.stat(path.join(this.layout.root, rel))).size };
        } catch {
          // Removed while walking.
        }
      }
    }
  }

  /**
   * The real path of `rel` (null when it does not exist), after checking that it, or its deepest
   * existing ancestor, lies inside the root. @throws InvalidNameError when it escapes.
   */
  private async resolve(rel: string): Promise<string | null> {
    const root = (this.realRoot ??= await fs.realpath(this.layout.root));
    const target = path.join(this.layout.root, rel);
    for (let probe = target, missing = false; ; probe = path.dirname(probe), missing = true) {
      let real: string;
      try {
        real = await fs.realpath(probe);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || probe === this.layout.root) throw err;
        continue;
      }
      if (real !== root && !real.startsWith(root + path.sep)) {
        throw new InvalidNameError('path', rel, 'it resolves outside the mail root');
      }
      return missing ? null : real;
    }
  }
}
