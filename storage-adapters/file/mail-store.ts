/**
 * Folders and messages. Every change to an account's folders runs under that account's mail lock,
 * which makes UID and MODSEQ allocation atomic across processes; reads take no lock.
 *
 * A new account has no folders/ directory: its INBOX is implicit (empty, UIDVALIDITY = the
 * account's creation second) until the first change writes it out. This keeps account creation at
 * one directory and one file, which matters at 100,000 accounts.
 *
 * A message's MIME structure is kept once per body, beside it (blob-structures.ts), not in the
 * folder journals of every mailbox the body was delivered to.
 */
import { promises as fs } from 'node:fs';
import type {
  AccountKey,
  FlagOperation,
  Folder,
  MailboxUsage,
  MessageMeta,
  MessageStructure,
  NewMessage,
} from '../../core/model/index.js';
import {
  AlreadyExistsError,
  NotFoundError,
  type AppendOptions,
  type BlobStore,
  type FlagUpdate,
  type FlagUpdateResult,
  type MailStore,
  type UidRange,
} from '../../core/ports/index.js';
import type { FileStructureStore } from './blob-structures.js';
import { fsyncDir, readIfExists, writeAtomic } from './durable-fs.js';
import { withLock } from './file-lock.js';
import {
  folderFold,
  folderRows,
  needsCompaction,
  type FolderState,
  type StoredMessage,
} from './folder-journal.js';
import { Journal } from './journal.js';
import type { Layout } from './layout.js';

const JOURNAL_CACHE_LIMIT = 2000;
/** The most appends committed together (bounds one journal write). */
const APPEND_BATCH = 200;

interface PendingAppend {
  message: NewMessage;
  opts: AppendOptions;
  resolve: (meta: MessageMeta) => void;
  reject: (err: unknown) => void;
}

export class FileMailStore implements MailStore {
  private readonly journals = new Map<string, Journal<FolderState>>();
  /** Per folder file: the appends waiting for the mail lock, to be committed as one batch. */
  private readonly appendBatches = new Map<string, PendingAppend[]>();

  constructor(
    private readonly layout: Layout,
    private readonly blobs: BlobStore,
    private readonly structures: FileStructureStore,
    private readonly accountCreatedAt: (key: AccountKey) => Promise<Date | null>,
  ) {}

  async createFolder(account: AccountKey, path: string, opts: { specialUse?: string } = {}): Promise<Folder> {
    return this.locked(account, async () => {
      if (!(await this.accountCreatedAt(account)))
        throw new NotFoundError(`account ${account.name}@${account.domain}`);
      if (await this.state(account, path)) throw new AlreadyExistsError(`folder ${path}`);
      const uidValidity = await this.nextUidValidity(account);
      const journal = this.journal(account, path);
      await journal.replace(folderRows.initial(uidValidity, opts.specialUse));
      return toFolder(account, path, await journal.read());
    });
  }

  async deleteFolder(account: AccountKey, path: string): Promise<void> {
    const released = await this.locked(account, async () => {
      const state = await this.mustState(account, path);
      await fs.rm(this.layout.folderFile(account, path));
      await fsyncDir(this.layout.foldersDir(account));
      return [...state.messages.values()];
    });
    await this.releaseAll(released);
  }

  async renameFolder(account: AccountKey, from: string, to: string): Promise<void> {
    await this.locked(account, async () => {
      await this.mustState(account, from);
      const moves = (await this.folderPaths(account))
        .filter((p) => p === from || p.startsWith(`${from}/`))
        .map((p) => [p, to + p.slice(from.length)] as const);
      for (const [, target] of moves) {
        if (await this.state(account, target)) throw new AlreadyExistsError(`folder ${target}`);
      }
      for (const [source, target] of moves) {
        await fs.rename(this.layout.folderFile(account, source), this.layout.folderFile(account, target));
      }
      await fsyncDir(this.layout.foldersDir(account));
    });
  }

  async getFolder(account: AccountKey, path: string): Promise<Folder | null> {
    const state = await this.state(account, path);
    return state ? toFolder(account, path, state) : null;
  }

  async listFolders(account: AccountKey): Promise<Folder[]> {
    const folders: Folder[] = [];
    for (const path of (await this.folderPaths(account)).sort()) {
      const state = await this.state(account, path);
      if (state) folders.push(toFolder(account, path, state));
    }
    return folders;
  }

  async setSubscribed(account: AccountKey, path: string, subscribed: boolean): Promise<void> {
    await this.locked(account, async () => {
      const state = await this.mustState(account, path);
      await this.journal(account, path).append([
        folderRows.props(state.uidValidity, subscribed, state.specialUse),
      ]);
    });
  }

  /**
   * Appends that arrive while the folder's previous batch holds the lock are committed together
   * (group commit): one lock, one journal append and one fsync for the batch, the blob references
   * added side by side first. Each message still gets its own UID and MODSEQ, as if appended alone.
   * A delivery key is written on the message's row, so the check for an earlier append with the
   * same key and the append itself happen under the same lock.
   */
  append(
    account: AccountKey,
    path: string,
    message: NewMessage,
    opts: AppendOptions = {},
  ): Promise<MessageMeta> {
    const file = this.layout.folderFile(account, path);
    return new Promise((resolve, reject) => {
      const pending: PendingAppend = { message, opts, resolve, reject };
      const waiting = this.appendBatches.get(file);
      if (waiting && waiting.length < APPEND_BATCH) return void waiting.push(pending);
      const batch: PendingAppend[] = [pending];
      this.appendBatches.set(file, batch);
      this.locked(account, () => {
        if (this.appendBatches.get(file) === batch) this.appendBatches.delete(file);
        return this.appendBatch(account, path, batch);
      }).catch((err: unknown) => {
        for (const pending of batch) pending.reject(err);
      });
    });
  }

  /** Caller holds the mail lock; settles every append of the batch. */
  private async appendBatch(account: AccountKey, path: string, batch: PendingAppend[]): Promise<void> {
    const state = await this.mustState(account, path);
    // Repeats of a delivery key (already in the folder, or earlier in this batch) add nothing.
    const fresh: PendingAppend[] = [];
    const repeats = new Map<PendingAppend, PendingAppend[]>();
    const byKey = new Map<string, PendingAppend>();
    for (const pending of batch) {
      const key = pending.opts.deliveryKey;
      const stored = key !== undefined ? state.messages.get(state.deliveries.get(key) ?? 0) : undefined;
      const first = key !== undefined ? byKey.get(key) : undefined;
      if (stored) this.withStructure(stored).then(pending.resolve, pending.reject);
      else if (first) repeats.get(first)!.push(pending);
      else {
        fresh.push(pending);
        repeats.set(pending, []);
        if (key !== undefined) byKey.set(key, pending);
      }
    }
    const settle = (pending: PendingAppend, outcome: { meta: MessageMeta } | { error: unknown }): void => {
      for (const p of [pending, ...repeats.get(pending)!]) {
        if ('meta' in outcome) p.resolve(outcome.meta);
        else p.reject(outcome.error);
      }
    };
    // The reference and the structure are durable before the row that needs them: a crash in
    // between leaks, never loses. The structure comes after the reference: a body is only ever
    // given a structure while someone holds it.
    const prepared = await Promise.allSettled(
      fresh.map(async ({ message, opts }) => {
        if (!opts.adoptReference) await this.blobs.addBlobRef(message.blobId);
        return this.structures.keep(message.blobId, { mime: message.mime, envelope: message.envelope });
      }),
    );
    const added: { pending: PendingAppend; stored: StoredMessage; structure: MessageStructure }[] = [];
    fresh.forEach((pending, i) => {
      const outcome = prepared[i];
      if (outcome.status === 'rejected') return settle(pending, { error: outcome.reason });
      const { message } = pending;
      const stored: StoredMessage = {
        blobId: message.blobId,
        size: message.size,
        internalDate: message.internalDate,
        flags: unique(message.flags),
        uid: state.uidNext + added.length,
        modseq: state.highestModseq + 1 + added.length,
      };
      added.push({ pending, stored, structure: outcome.value });
    });
    if (added.length === 0) return;
    await this.write(
      account,
      path,
      added.map((a) => folderRows.message(a.stored, a.pending.opts.deliveryKey)),
    );
    for (const { pending, stored, structure } of added)
      settle(pending, { meta: { ...stored, ...structure } });
  }

  async listMessages(
    account: AccountKey,
    path: string,
    range?: UidRange,
    opts: { changedSince?: number } = {},
  ): Promise<MessageMeta[]> {
    const state = await this.state(account, path);
    if (!state) throw new NotFoundError(`folder ${path}`);
    const from = range?.from ?? 1;
    const to = range?.to ?? Infinity;
    const since = opts.changedSince ?? -Infinity;
    const listed = await Promise.all(
      [...state.messages.values()]
        .filter((m) => m.uid >= from && m.uid <= to && m.modseq > since)
        .sort((a, b) => a.uid - b.uid)
        .map((m) => this.withStructure(m).catch(goneWithItsBody)),
    );
    return listed.filter((m): m is MessageMeta => m !== null);
  }

  async updateFlags(account: AccountKey, path: string, update: FlagUpdate): Promise<FlagUpdateResult> {
    return this.locked(account, async () => {
      const state = await this.mustState(account, path);
      const modseq = state.highestModseq + 1;
      const result: FlagUpdateResult = { updated: [], failed: [] };
      for (const uid of [...new Set(update.uids)].sort((a, b) => a - b)) {
        const meta = state.messages.get(uid);
        if (!meta) continue;
        if (update.unchangedSince !== undefined && meta.modseq > update.unchangedSince) {
          result.failed.push(uid);
          continue;
        }
        result.updated.push({ uid, modseq, flags: applyFlags(meta.flags, update.operation, update.flags) });
      }
      await this.write(
        account,
        path,
        result.updated.map((u) => folderRows.flags(u.uid, u.modseq, u.flags)),
      );
      return result;
    });
  }

  async expunge(account: AccountKey, path: string, uids?: number[]): Promise<number[]> {
    const only = uids ? new Set(uids) : null;
    const removed = await this.locked(account, async () => {
      const state = await this.mustState(account, path);
      const gone = [...state.messages.values()]
        .filter((m) => m.flags.includes('\\Deleted') && (!only || only.has(m.uid)))
        .sort((a, b) => a.uid - b.uid);
      if (gone.length > 0) {
        await this.write(account, path, [
          folderRows.expunge(
            state.highestModseq + 1,
            gone.map((m) => m.uid),
          ),
        ]);
      }
      return gone;
    });
    await this.releaseAll(removed);
    return removed.map((m) => m.uid);
  }

  async copyMessages(
    account: AccountKey,
    from: string,
    uids: number[],
    to: string,
  ): Promise<[number, number][]> {
    return this.locked(account, async () => {
      const source = await this.mustState(account, from);
      const target = await this.mustState(account, to);
      const modseq = target.highestModseq + 1;
      let uid = target.uidNext;
      const copies: StoredMessage[] = [];
      const pairs: [number, number][] = [];
      for (const oldUid of [...new Set(uids)].sort((a, b) => a - b)) {
        const meta = source.messages.get(oldUid);
        if (!meta) continue;
        await this.blobs.addBlobRef(meta.blobId);
        copies.push({ ...meta, uid, modseq });
        pairs.push([oldUid, uid++]);
      }
      await this.write(
        account,
        to,
        copies.map((meta) => folderRows.message(meta)),
      );
      return pairs;
    });
  }

  async usage(account: AccountKey): Promise<MailboxUsage> {
    const usage = { bytes: 0, messages: 0 };
    for (const folder of await this.listFolders(account)) {
      usage.bytes += folder.bytes;
      usage.messages += folder.messages;
    }
    return usage;
  }

  async importFolderState(
    account: AccountKey,
    path: string,
    state: { uidValidity: number; uidNext: number; highestModseq: number },
  ): Promise<void> {
    await this.locked(account, async () => {
      const current = await this.mustState(account, path);
      await this.write(account, path, [
        folderRows.props(state.uidValidity, current.subscribed, current.specialUse),
        folderRows.counters(state.uidNext, state.highestModseq),
      ]);
    });
  }

  async importMessage(account: AccountKey, path: string, message: MessageMeta): Promise<boolean> {
    return this.locked(account, async () => {
      const state = await this.mustState(account, path);
      if (state.messages.has(message.uid)) return false;
      const { mime, envelope, ...stored } = message;
      await this.blobs.addBlobRef(message.blobId);
      await this.structures.keep(message.blobId, { mime, envelope });
      await this.write(account, path, [folderRows.message({ ...stored, flags: unique(message.flags) })]);
      return true;
    });
  }

  /** Every message of the account's folders; the caller holds the mail lock and deletes the folders. */
  async allMessages(account: AccountKey): Promise<StoredMessage[]> {
    const all: StoredMessage[] = [];
    for (const path of await this.folderPaths(account)) {
      const state = await this.state(account, path);
      if (state) all.push(...state.messages.values());
    }
    return all;
  }

  /** Runs `fn` under the account's mail lock, with an implicit INBOX written out first. */
  locked<T>(account: AccountKey, fn: () => Promise<T>): Promise<T> {
    return withLock(this.layout.mailLock(account), this.layout.modes, async () => {
      const inbox = await this.implicitInbox(account);
      if (inbox) await this.journal(account, 'INBOX').replace(folderRows.compacted(inbox));
      return fn();
    });
  }

  async releaseAll(messages: StoredMessage[]): Promise<void> {
    for (const m of messages) await this.blobs.releaseBlob(m.blobId).catch(ignoreNotFound);
  }

  /**
   * The message with its structure: its own on a row of the old format, else the one beside its
   * body. @throws NotFoundError when the body (and so its structure) is gone.
   */
  private async withStructure({ structure, ...message }: StoredMessage): Promise<MessageMeta> {
    const shared = structure ?? (await this.structures.read(message.blobId));
    if (!shared) throw new NotFoundError(`structure of blob ${message.blobId}`);
    return { ...message, ...shared };
  }

  private async write(account: AccountKey, path: string, rows: (string | number)[][]): Promise<void> {
    const journal = this.journal(account, path);
    await journal.append(rows);
    const state = await journal.read();
    if (needsCompaction(state)) await journal.replace(folderRows.compacted(state));
  }

  private journal(account: AccountKey, path: string): Journal<FolderState> {
    const file = this.layout.folderFile(account, path);
    let journal = this.journals.get(file);
    if (!journal) {
      if (this.journals.size >= JOURNAL_CACHE_LIMIT) this.journals.clear();
      journal = new Journal(file, folderFold, this.layout);
      this.journals.set(file, journal);
    }
    return journal;
  }

  private async state(account: AccountKey, path: string): Promise<FolderState | null> {
    const journal = this.journal(account, path);
    const state = await journal.read();
    if (state.uidValidity > 0) return state;
    if (path !== 'INBOX') return null;
    const implicit = await this.implicitInbox(account);
    if (implicit) return implicit;
    // Another process wrote the INBOX out between our two looks: read what it wrote.
    const written = await journal.read();
    return written.uidValidity > 0 ? written : null;
  }

  /**
   * The INBOX of an account whose INBOX was never written, or null. It looks at the INBOX file
   * itself, not at folders/: another process creates folders/ a moment before it renames the
   * INBOX journal into it, and a reader in between must still see the INBOX.
   */
  private async implicitInbox(account: AccountKey): Promise<FolderState | null> {
    try {
      await fs.stat(this.layout.folderFile(account, 'INBOX'));
      return null;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const createdAt = await this.accountCreatedAt(account);
    if (!createdAt) return null;
    const state = folderFold.empty();
    for (const row of folderRows.initial(Math.floor(createdAt.getTime() / 1000)))
      folderFold.apply(state, row.map(String));
    return state;
  }

  private async mustState(account: AccountKey, path: string): Promise<FolderState> {
    const state = await this.state(account, path);
    if (!state) throw new NotFoundError(`folder ${path} of ${account.name}@${account.domain}`);
    return state;
  }

  private async folderPaths(account: AccountKey): Promise<string[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.layout.foldersDir(account));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return (await this.implicitInbox(account)) ? ['INBOX'] : [];
    }
    const paths = names.map((n) => this.layout.folderOfFile(n)).filter((p): p is string => p !== null);
    if (!paths.includes('INBOX') && (await this.implicitInbox(account))) paths.push('INBOX');
    return paths;
  }

  /** Strictly greater than any earlier one of this account, so a re-created folder is never confused. */
  private async nextUidValidity(account: AccountKey): Promise<number> {
    const file = this.layout.userFile(account, 'uidvalidity');
    const last = Number((await readIfExists(file))?.toString() ?? 0) || 0;
    const next = Math.max(Math.floor(Date.now() / 1000), last + 1);
    await writeAtomic(this.layout, file, `${next}\n`);
    return next;
  }
}

function toFolder(account: AccountKey, path: string, s: FolderState): Folder {
  let unseen = 0;
  let bytes = 0;
  for (const m of s.messages.values()) {
    if (!m.flags.includes('\\Seen')) unseen++;
    bytes += m.size;
  }
  return {
    account: { domain: account.domain, name: account.name },
    path,
    uidValidity: s.uidValidity,
    uidNext: s.uidNext,
    highestModseq: s.highestModseq,
    subscribed: s.subscribed,
    ...(s.specialUse ? { specialUse: s.specialUse } : {}),
    messages: s.messages.size,
    unseen,
    bytes,
  };
}

function unique(flags: string[]): string[] {
  return [...new Set(flags)];
}

function applyFlags(current: string[], operation: FlagOperation, flags: string[]): string[] {
  switch (operation) {
    case 'add':
      return unique([...current, ...flags]);
    case 'remove':
      return current.filter((f) => !flags.includes(f));
    case 'set':
      return unique(flags);
  }
}

/**
 * A listing runs on the folder as it was read: a message another process expunged meanwhile may
 * have taken its body, and its structure, with it. It is gone, so it is left out.
 */
function goneWithItsBody(err: unknown): null {
  if ((err as Error).name !== 'NotFoundError') throw err;
  return null;
}

function ignoreNotFound(err: unknown): void {
  if ((err as Error).name !== 'NotFoundError') throw err;
}
