import type { Filter } from 'mongodb';
import type {
  AccountKey,
  Folder,
  MailboxUsage,
  MessageMeta,
  MessageStructure,
  NewMessage,
} from '../../core/model/index.js';
import type {
  AppendOptions,
  BlobStore,
  FlagUpdate,
  FlagUpdateResult,
  MailStore,
  UidRange,
} from '../../core/ports/index.js';
import { AlreadyExistsError, NotFoundError } from '../../core/ports/index.js';
import { findAccount, requireAccount } from './accounts-lookup.js';
import { keepStructure, readStructures } from './blob-structures.js';
import type { Collections, FolderDoc, MessageDoc } from './collections.js';
import { isDuplicateKey } from './errors.js';
import { applyFlagUpdate } from './flag-update.js';
import { insertFolder, sumSizes, toFolder } from './folder-records.js';
import { removeMessages } from './message-removal.js';
import { claimExact, dropClaims } from './claims.js';
import { allocate, modseqScope, uidScope } from './uid-allocation.js';

export class MongoMailStore implements MailStore {
  constructor(
    private readonly cols: Collections,
    private readonly blobs: BlobStore,
  ) {}

  async createFolder(account: AccountKey, path: string, opts: { specialUse?: string } = {}): Promise<Folder> {
    const owner = await requireAccount(this.cols, account);
    return toFolder(this.cols, account, await insertFolder(this.cols, owner.accountId, path, opts));
  }

  /** Messages first, the folder last: a crash leaves a folder with fewer messages, and a retry finishes. */
  async deleteFolder(account: AccountKey, path: string): Promise<void> {
    const folder = await this.requireFolder(account, path);
    await removeMessages(this.cols, this.blobs, { folderId: folder._id });
    await this.cols.folders.deleteOne({ _id: folder._id });
    await dropClaims(this.cols.claims, uidScope(folder._id));
    await dropClaims(this.cols.claims, modseqScope(folder._id));
  }

  /**
   * Messages point at the folder's _id, so a rename touches folder documents only: the folder and
   * each subfolder, one updateOne each (not atomic as a whole; the unique index keeps every step
   * free of duplicates).
   */
  async renameFolder(account: AccountKey, from: string, to: string): Promise<void> {
    const folder = await this.requireFolder(account, from);
    if (await this.cols.folders.findOne({ accountId: folder.accountId, path: to })) {
      throw new AlreadyExistsError(`folder ${to}`);
    }
    const children = await this.cols.folders
      .find({ accountId: folder.accountId, path: { $gt: `${from}/`, $lt: `${from}/\uffff` } })
      .toArray();
    try {
      for (const doc of [folder, ...children]) {
        await this.cols.folders.updateOne(
          { _id: doc._id },
          { $set: { path: to + doc.path.slice(from.length) } },
        );
      }
    } catch (error) {
      if (isDuplicateKey(error)) throw new AlreadyExistsError(`folder ${to}`);
      throw error;
    }
  }

  async getFolder(account: AccountKey, path: string): Promise<Folder | null> {
    const owner = await findAccount(this.cols, account);
    const doc = owner && (await this.cols.folders.findOne({ accountId: owner.accountId, path }));
    return doc ? toFolder(this.cols, account, doc) : null;
  }

  async listFolders(account: AccountKey): Promise<Folder[]> {
    const owner = await findAccount(this.cols, account);
    if (!owner) return [];
    const docs = await this.cols.folders.find({ accountId: owner.accountId }).sort({ path: 1 }).toArray();
    return Promise.all(docs.map((doc) => toFolder(this.cols, account, doc)));
  }

  async setSubscribed(account: AccountKey, path: string, subscribed: boolean): Promise<void> {
    const folder = await this.requireFolder(account, path);
    await this.cols.folders.updateOne({ _id: folder._id }, { $set: { subscribed } });
  }

  /**
   * UID and MODSEQ first (claimed, uid-allocation.ts), then the blob reference and the body's
   * structure (blob-structures.ts), then the message. A crash in between leaves an unused UID
   * (allowed) or one extra reference (the body outlives its last message), never a message whose
   * body can vanish.
   *
   * With a delivery key the message's `_id` is `<folder id>/<key>`: the insert against the unique
   * `_id` is the atomic check (claims.ts explains why nothing else is on FerretDB 1.x), and the
   * key is deleted with the message. A caller that loses the race drops its reference and its
   * UID (an unused UID is allowed) and resolves the winner's message.
   */
  async append(
    account: AccountKey,
    path: string,
    message: NewMessage,
    opts: AppendOptions = {},
  ): Promise<MessageMeta> {
    const folder = await this.requireFolder(account, path);
    const deliveryId =
      opts.deliveryKey === undefined ? undefined : `${folder._id.toHexString()}/${opts.deliveryKey}`;
    if (deliveryId !== undefined) {
      const known = await this.cols.messages.findOne({ _id: deliveryId });
      const [meta] = known ? await withStructures(this.cols, [known]) : [];
      if (meta) return meta;
    }
    const {
      uids: [uid],
      modseq,
    } = await allocate(this.cols, folder._id, 1);
    if (!opts.adoptReference) await this.blobs.addBlobRef(message.blobId);
    const { mime, envelope, ...fields } = message;
    const structure = await keepStructure(this.cols, message.blobId, { mime, envelope });
    const doc: MessageDoc = {
      ...(deliveryId !== undefined ? { _id: deliveryId } : {}),
      ...fields,
      accountId: folder.accountId,
      folderId: folder._id,
      uid,
      modseq,
    };
    try {
      await this.cols.messages.insertOne(doc);
    } catch (error) {
      if (deliveryId === undefined || !isDuplicateKey(error)) throw error;
      if (!opts.adoptReference) await this.blobs.releaseBlob(message.blobId);
      const winner = await this.cols.messages.findOne({ _id: deliveryId });
      const [meta] = winner ? await withStructures(this.cols, [winner]) : [];
      // Expunged between its insert and our look: the key is forgotten, so this append goes ahead.
      return meta ?? this.append(account, path, message, opts);
    }
    return toMeta(doc, structure);
  }

  async listMessages(
    account: AccountKey,
    path: string,
    range?: UidRange,
    opts: { changedSince?: number } = {},
  ): Promise<MessageMeta[]> {
    const folder = await this.requireFolder(account, path);
    const filter: Filter<MessageDoc> = { folderId: folder._id };
    if (range)
      filter.uid = Number.isFinite(range.to) ? { $gte: range.from, $lte: range.to } : { $gte: range.from };
    if (opts.changedSince !== undefined) filter.modseq = { $gt: opts.changedSince };
    const docs = await this.cols.messages.find(filter).sort({ uid: 1 }).toArray();
    return withStructures(this.cols, docs);
  }

  async updateFlags(account: AccountKey, path: string, update: FlagUpdate): Promise<FlagUpdateResult> {
    const folder = await this.requireFolder(account, path);
    return applyFlagUpdate(this.cols, folder._id, update);
  }

  async expunge(account: AccountKey, path: string, uids?: number[]): Promise<number[]> {
    const folder = await this.requireFolder(account, path);
    const filter: Filter<MessageDoc> = { folderId: folder._id, flags: '\\Deleted' };
    if (uids) filter.uid = { $in: uids };
    const removed = await removeMessages(this.cols, this.blobs, filter);
    // The expunge is a change of the folder: clients resynchronising (QRESYNC) see it by MODSEQ.
    if (removed.length > 0) await allocate(this.cols, folder._id, 0);
    return removed;
  }

  /** New UIDs are taken in one allocation: consecutive unless another process appends meanwhile. */
  async copyMessages(
    account: AccountKey,
    from: string,
    uids: number[],
    to: string,
  ): Promise<[number, number][]> {
    const source = await this.requireFolder(account, from);
    const target = await this.requireFolder(account, to);
    const messages = await this.cols.messages
      .find({ folderId: source._id, uid: { $in: uids } })
      .sort({ uid: 1 })
      .toArray();
    if (messages.length === 0) return [];
    const { uids: newUids, modseq } = await allocate(this.cols, target._id, messages.length);
    const pairs: [number, number][] = [];
    for (const [i, message] of messages.entries()) {
      await this.blobs.addBlobRef(message.blobId);
      const { _id: _, ...copy } = message;
      void _;
      await this.cols.messages.insertOne({ ...copy, folderId: target._id, uid: newUids[i], modseq });
      pairs.push([message.uid, newUids[i]]);
    }
    return pairs;
  }

  async usage(account: AccountKey): Promise<MailboxUsage> {
    const owner = await findAccount(this.cols, account);
    if (!owner) return { bytes: 0, messages: 0 };
    return sumSizes(this.cols.messages.find({ accountId: owner.accountId }, { projection: { size: 1 } }));
  }

  async importFolderState(
    account: AccountKey,
    path: string,
    state: { uidValidity: number; uidNext: number; highestModseq: number },
  ): Promise<void> {
    const folder = await this.requireFolder(account, path);
    await this.cols.folders.updateOne(
      { _id: folder._id },
      {
        $set: { uidValidity: state.uidValidity },
        $max: { uidNext: state.uidNext, highestModseq: state.highestModseq },
      },
    );
  }

  /** The UID is claimed like an allocated one, so later appends never hand it out again. */
  async importMessage(account: AccountKey, path: string, message: MessageMeta): Promise<boolean> {
    const folder = await this.requireFolder(account, path);
    if (
      await this.cols.messages.findOne({ folderId: folder._id, uid: message.uid }, { projection: { _id: 1 } })
    ) {
      return false;
    }
    await claimExact(this.cols.claims, uidScope(folder._id), message.uid);
    await claimExact(this.cols.claims, modseqScope(folder._id), message.modseq);
    await this.blobs.addBlobRef(message.blobId);
    const { mime, envelope, ...fields } = message;
    try {
      await keepStructure(this.cols, message.blobId, { mime, envelope });
      await this.cols.messages.insertOne({ ...fields, accountId: folder.accountId, folderId: folder._id });
    } catch (error) {
      await this.blobs.releaseBlob(message.blobId);
      if (isDuplicateKey(error)) return false;
      throw error;
    }
    await this.cols.folders.updateOne(
      { _id: folder._id },
      { $max: { uidNext: message.uid + 1, highestModseq: message.modseq } },
    );
    return true;
  }

  private async requireFolder(account: AccountKey, path: string): Promise<FolderDoc> {
    const owner = await requireAccount(this.cols, account);
    const folder = await this.cols.folders.findOne({ accountId: owner.accountId, path });
    if (!folder) throw new NotFoundError(`folder ${path}`);
    return folder;
  }
}

/**
 * The messages with their structures: the body's, or their own on messages stored before
 * structures moved beside the body. A listing runs on the messages as it found them: one removed
 * meanwhile may have taken its body, and the structure, with it; it is gone, so it is left out.
 */
async function withStructures(cols: Collections, docs: MessageDoc[]): Promise<MessageMeta[]> {
  const shared = await readStructures(
    cols,
    docs.filter((doc) => !doc.mime).map((doc) => doc.blobId),
  );
  return docs.flatMap((doc) => {
    const structure =
      doc.mime && doc.envelope ? { mime: doc.mime, envelope: doc.envelope } : shared.get(doc.blobId);
    return structure ? [toMeta(doc, structure)] : [];
  });
}

function toMeta(doc: MessageDoc, { mime, envelope }: MessageStructure): MessageMeta {
  return {
    blobId: doc.blobId,
    size: doc.size,
    internalDate: doc.internalDate,
    flags: doc.flags,
    mime,
    envelope,
    uid: doc.uid,
    modseq: doc.modseq,
  };
}
