import { ObjectId } from 'mongodb';
import type { Folder, MailboxUsage } from '../../core/model/index.js';
import type { AccountKey } from '../../core/model/index.js';
import { AlreadyExistsError } from '../../core/ports/index.js';
import type { Collections, FolderDoc } from './collections.js';
import { nextSeq } from './counters.js';
import { isDuplicateKey } from './errors.js';
import { folderCounters } from './uid-allocation.js';

/**
 * Inserts a folder document. UIDVALIDITY comes from a global sequence, so a folder deleted and
 * created again under the same path never reuses one.
 */
export async function insertFolder(
  cols: Collections,
  accountId: ObjectId,
  path: string,
  opts: FolderOptions = {},
): Promise<FolderDoc> {
  const doc = newFolderDoc(accountId, path, await nextSeq(cols, 'uidValidity'), opts);
  try {
    await cols.folders.insertOne(doc);
  } catch (error) {
    if (isDuplicateKey(error)) throw new AlreadyExistsError(`folder ${path}`);
    throw error;
  }
  return doc;
}

export interface FolderOptions {
  specialUse?: string;
  subscribed?: boolean;
}

/** A new, empty folder; `uidValidity` comes from the `uidValidity` sequence (counters.ts). */
export function newFolderDoc(
  accountId: ObjectId,
  path: string,
  uidValidity: number,
  opts: FolderOptions = {},
): FolderDoc {
  return {
    _id: new ObjectId(),
    accountId,
    path,
    uidValidity,
    uidNext: 1,
    highestModseq: 1,
    subscribed: opts.subscribed ?? true,
    specialUse: opts.specialUse,
  };
}

/**
 * The folder as the port shows it. The counts are computed from the messages, not kept beside
 * them: without multi-document transactions a stored counter could drift after a crash, a count
 * over the folder_uid / folder_flags indexes cannot.
 */
export async function toFolder(cols: Collections, account: AccountKey, doc: FolderDoc): Promise<Folder> {
  const totals = await sumSizes(cols.messages.find({ folderId: doc._id }, { projection: { size: 1 } }));
  const seen = await cols.messages.countDocuments({ folderId: doc._id, flags: '\\Seen' });
  const { uidNext, highestModseq } = await folderCounters(cols, doc);
  return {
    account: { domain: account.domain, name: account.name },
    path: doc.path,
    uidValidity: doc.uidValidity,
    uidNext,
    highestModseq,
    subscribed: doc.subscribed,
    ...(doc.specialUse !== undefined && doc.specialUse !== null ? { specialUse: doc.specialUse } : {}),
    messages: totals.messages,
    unseen: totals.messages - seen,
    bytes: totals.bytes,
  };
}

/**
 * Message count and bytes, summed here rather than by `$group`/`$sum`, which FerretDB 1.x answered
 * with 0 bytes. Only the size field travels.
 */
export async function sumSizes(messages: AsyncIterable<{ size?: number }>): Promise<MailboxUsage> {
  const usage: MailboxUsage = { messages: 0, bytes: 0 };
  for await (const message of messages) {
    usage.messages++;
    usage.bytes += message.size ?? 0;
  }
  return usage;
}
