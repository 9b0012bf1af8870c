/**
 * The file storage adapter: everything under one directory laid out like XMail's MAIL_ROOT
 * (layout.ts has the map), human-readable TAB files throughout.
 *
 * Choices, and why:
 * - Every replacement is temp file + fsync + rename + directory fsync (durable-fs.ts); journals
 *   append whole lines and fsync, and readers ignore a last line cut short by a crash. Message
 *   bodies are fsynced before putBlob resolves, appends before append resolves.
 * - Several processes on one host may share the root: read-modify-write of a table or an account's
 *   folders runs under an O_EXCL lock file holding the owner's PID, broken when that process is gone
 *   (file-lock.ts). Readers take no lock: files are replaced atomically or only appended to.
 * - 100,000 accounts: mailusers.tab is an append-only journal (account-journal.ts) that each process
 *   folds once and then follows by reading only what was appended, and concurrent adds share one
 *   lock, one append and one fsync (group commit). The small root tables (domains, aliases, links,
 *   admins) are rewritten whole, in XMail's formats.
 * - A folder is one journal file of message rows (folder-journal.ts); UIDs and MODSEQs are taken
 *   under the account's mail lock. Bodies are blobs stored once with an append-only reference
 *   journal beside them (blob-store.ts).
 *
 * URLs: `file:/abs/path`, `file:///abs/path` or `file:relative/path` (relative to the working directory).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Storage, StorageOptions } from '../../core/ports/index.js';
import { FileAccountStore } from './account-store.js';
import { FileAdminStore } from './admin-store.js';
import { FileBlobStore } from './blob-store.js';
import { FileStructureStore } from './blob-structures.js';
import { FileDomainStore } from './domain-store.js';
import { FileEventLog } from './event-log.js';
import { isRunning } from './file-lock.js';
import { FileFileTree } from './file-tree.js';
import { Layout } from './layout.js';
import { FileMailStore } from './mail-store.js';
import { modesForUmask } from './modes.js';
import { FilePop3LinkStore } from './pop3-link-store.js';
import { FileRouteStore } from './route-store.js';
import { openRootTables } from './tables.js';

export function rootOfUrl(url: string): string {
  if (!url.startsWith('file:'))
    throw new Error(`the file storage adapter needs a file: URL, got ${JSON.stringify(url)}`);
  if (url.startsWith('file://')) return fileURLToPath(url);
  return path.resolve(decodeURIComponent(url.slice('file:'.length)));
}

export function createStorage(url: string, options: StorageOptions = {}): Storage {
  const layout = new Layout(rootOfUrl(url), modesForUmask(options.umask));
  const tables = openRootTables(layout);
  const blobs = new FileBlobStore(layout);
  // The mail store asks the account store whether an account exists; both are built here.
  const mail: FileMailStore = new FileMailStore(layout, blobs, new FileStructureStore(layout), (key) =>
    accounts.createdAt(key),
  );
  const accounts = new FileAccountStore(layout, tables, mail);
  return {
    kind: 'file',
    domains: new FileDomainStore(layout, tables, accounts),
    accounts,
    routes: new FileRouteStore(tables),
    pop3Links: new FilePop3LinkStore(layout, tables),
    admins: new FileAdminStore(tables),
    blobs,
    mail,
    files: new FileFileTree(layout),
    events: new FileEventLog(layout),
    open: () => prepareRoot(layout),
    close: async () => undefined,
  };
}

/** Creates the directories and sweeps temp files left by processes that died mid-write. */
async function prepareRoot(layout: Layout): Promise<void> {
  for (const dir of [layout.root, layout.tmp, layout.locks, layout.domains, layout.blobs, layout.logs]) {
    await fs.mkdir(dir, { recursive: true, mode: layout.modes.dir });
  }
  for (const name of await fs.readdir(layout.tmp)) {
    const pid = Number(name.split('.')[0]);
    if (Number.isInteger(pid) && pid > 0 && !isRunning(pid))
      await fs.rm(path.join(layout.tmp, name), { force: true });
  }
}
