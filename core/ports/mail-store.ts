import type { AccountKey } from '../model/directory.js';
import type { FlagOperation, Folder, MailboxUsage, MessageMeta, NewMessage } from '../model/mailbox.js';

export interface UidRange {
  /** Inclusive bounds; `to` may be Infinity. */
  from: number;
  to: number;
}

export interface FlagUpdate {
  uids: number[];
  operation: FlagOperation;
  flags: string[];
  /** IMAP CONDSTORE: skip messages whose modseq is above this; they are reported in `failed`. */
  unchangedSince?: number;
}

export interface AppendOptions {
  /**
   * Names this delivery, stable across retries (the queue uses `<queueId>/<action key>`). The key is
   * kept with the message and forgotten with it: once the message is expunged (or its folder
   * deleted) the same key appends again. Copies and imports of the message do not carry it.
   */
  deliveryKey?: string;
  /**
   * The caller hands its own reference to the blob over to the new message instead of the store
   * taking another (the queue's last delivery of a message: one reference written and one released
   * fewer). A repeat of the delivery key neither takes nor hands over anything.
   */
  adoptReference?: boolean;
}

export interface FlagUpdateResult {
  updated: { uid: number; modseq: number; flags: string[] }[];
  failed: number[];
}

/**
 * Folders and the messages in them. Every method that changes a folder is atomic across processes:
 * UIDs are allocated without duplicates or going backwards, and every change bumps the folder's
 * HIGHESTMODSEQ and gives the changed messages that new MODSEQ.
 *
 * A message's `mime` and `envelope` describe its body, so a store keeps them once per blob, beside
 * it and gone with it: every message stored from a blob (deliveries to N mailboxes, copies,
 * imports) has the structure the first of them brought, capped as core/model/mime-limits.ts says.
 */
export interface MailStore {
  /** @throws AlreadyExistsError @throws NotFoundError when the account does not exist */
  createFolder(account: AccountKey, path: string, opts?: { specialUse?: string }): Promise<Folder>;
  /** Removes the folder and releases its messages' bodies. @throws NotFoundError */
  deleteFolder(account: AccountKey, path: string): Promise<void>;
  /** Renames the folder and its subfolders, keeping UIDVALIDITY. @throws NotFoundError @throws AlreadyExistsError */
  renameFolder(account: AccountKey, from: string, to: string): Promise<void>;
  getFolder(account: AccountKey, path: string): Promise<Folder | null>;
  /** Sorted by path. */
  listFolders(account: AccountKey): Promise<Folder[]>;
  setSubscribed(account: AccountKey, path: string, subscribed: boolean): Promise<void>;

  /**
   * Adds the message with the next UID and a new MODSEQ and takes a reference on its blob.
   * With a `deliveryKey`, the append is idempotent per folder: when a message appended with that
   * key is still in the folder, nothing changes (no new UID, no new blob reference) and it resolves
   * that message's current meta, also when two callers race with the same key.
   * @throws NotFoundError when the folder does not exist
   */
  append(account: AccountKey, path: string, message: NewMessage, opts?: AppendOptions): Promise<MessageMeta>;
  /** Messages with UIDs in the range, ascending. `changedSince` keeps those with a greater MODSEQ. */
  listMessages(
    account: AccountKey,
    path: string,
    range?: UidRange,
    opts?: { changedSince?: number },
  ): Promise<MessageMeta[]>;
  updateFlags(account: AccountKey, path: string, update: FlagUpdate): Promise<FlagUpdateResult>;
  /**
   * Removes messages flagged `\Deleted` (only among `uids` when given), releasing their bodies.
   * Resolves with the removed UIDs, ascending.
   */
  expunge(account: AccountKey, path: string, uids?: number[]): Promise<number[]>;
  /** Copies with new UIDs in the target (new blob references, no body copy). Resolves [oldUid, newUid] pairs. */
  copyMessages(account: AccountKey, from: string, uids: number[], to: string): Promise<[number, number][]>;

  /** Sum over all folders of the account. */
  usage(account: AccountKey): Promise<MailboxUsage>;

  /**
   * For `mailwright storage copy`: sets the folder's UIDVALIDITY and raises its UIDNEXT and
   * HIGHESTMODSEQ to at least the given values (never lowers them). @throws NotFoundError
   */
  importFolderState(
    account: AccountKey,
    path: string,
    state: { uidValidity: number; uidNext: number; highestModseq: number },
  ): Promise<void>;
  /**
   * For `mailwright storage copy`: stores the message with its own UID and MODSEQ (taking a blob
   * reference like append), raising UIDNEXT/HIGHESTMODSEQ to cover it. Idempotent: when the UID is
   * already in the folder nothing changes and it resolves false. @throws NotFoundError
   */
  importMessage(account: AccountKey, path: string, message: MessageMeta): Promise<boolean>;
}
