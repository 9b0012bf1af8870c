/**
 * The kernel's MailStore: the adapter's, telling MailboxEvents about every change once it is
 * stored. Every writer (the delivery worker, POP3 DELE/QUIT, XMail CTRL, IMAP, a third-party
 * plugin) goes through it because the kernel registers the storage with it (notifying-storage.ts),
 * so none of them publishes anything itself.
 *
 * An event is published only after the adapter's call resolved (the change is committed) and only
 * when something may have changed; a publish never fails or delays the change (MailboxEvents).
 * Reads are the adapter's, unchanged. Every method of MailStore is written out here, so that a new
 * one cannot slip past without a decision: publish, or forward.
 */
import type { AccountKey } from '../model/directory.js';
import type { Folder, MailboxUsage, MessageMeta, NewMessage } from '../model/mailbox.js';
import type {
  AppendOptions,
  FlagUpdate,
  FlagUpdateResult,
  MailStore,
  UidRange,
} from '../ports/mail-store.js';
import type { MailboxEventKind, MailboxEvents } from './mailbox-event.js';

export class NotifyingMailStore implements MailStore {
  constructor(
    /** The adapter's store. */
    readonly inner: MailStore,
    private readonly events: MailboxEvents,
  ) {}

  // Folders.

  async createFolder(account: AccountKey, path: string, opts?: { specialUse?: string }): Promise<Folder> {
    const folder = await this.inner.createFolder(account, path, opts);
    this.tell(account, path, 'folders');
    return folder;
  }

  async deleteFolder(account: AccountKey, path: string): Promise<void> {
    await this.inner.deleteFolder(account, path);
    this.tell(account, path, 'folders');
  }

  async renameFolder(account: AccountKey, from: string, to: string): Promise<void> {
    await this.inner.renameFolder(account, from, to);
    this.tell(account, from, 'folders');
  }

  getFolder(account: AccountKey, path: string): Promise<Folder | null> {
    return this.inner.getFolder(account, path);
  }

  listFolders(account: AccountKey): Promise<Folder[]> {
    return this.inner.listFolders(account);
  }

  async setSubscribed(account: AccountKey, path: string, subscribed: boolean): Promise<void> {
    await this.inner.setSubscribed(account, path, subscribed);
    this.tell(account, path, 'folders');
  }

  // Messages.

  /** Published also when a repeated delivery key changed nothing: a spare hint costs one re-read. */
  async append(
    account: AccountKey,
    path: string,
    message: NewMessage,
    opts?: AppendOptions,
  ): Promise<MessageMeta> {
    const meta = await this.inner.append(account, path, message, opts);
    this.tell(account, path, 'append', { highestModseq: meta.modseq, uidNext: meta.uid + 1 });
    return meta;
  }

  listMessages(
    account: AccountKey,
    path: string,
    range?: UidRange,
    opts?: { changedSince?: number },
  ): Promise<MessageMeta[]> {
    return this.inner.listMessages(account, path, range, opts);
  }

  async updateFlags(account: AccountKey, path: string, update: FlagUpdate): Promise<FlagUpdateResult> {
    const result = await this.inner.updateFlags(account, path, update);
    if (result.updated.length > 0) {
      const highestModseq = Math.max(...result.updated.map((message) => message.modseq));
      this.tell(account, path, 'flags', { highestModseq });
    }
    return result;
  }

  async expunge(account: AccountKey, path: string, uids?: number[]): Promise<number[]> {
    const removed = await this.inner.expunge(account, path, uids);
    if (removed.length > 0) this.tell(account, path, 'expunge');
    return removed;
  }

  /** An `append` to the target folder. */
  async copyMessages(
    account: AccountKey,
    from: string,
    uids: number[],
    to: string,
  ): Promise<[number, number][]> {
    const copied = await this.inner.copyMessages(account, from, uids, to);
    if (copied.length > 0) {
      const uidNext = Math.max(...copied.map(([, newUid]) => newUid)) + 1;
      this.tell(account, to, 'append', { uidNext });
    }
    return copied;
  }

  usage(account: AccountKey): Promise<MailboxUsage> {
    return this.inner.usage(account);
  }

  // Imports (`mailwright storage copy`).

  /** A `folders` event: the folder's UIDVALIDITY may have changed, its sessions must look again. */
  async importFolderState(
    account: AccountKey,
    path: string,
    state: { uidValidity: number; uidNext: number; highestModseq: number },
  ): Promise<void> {
    await this.inner.importFolderState(account, path, state);
    this.tell(account, path, 'folders', { highestModseq: state.highestModseq, uidNext: state.uidNext });
  }

  async importMessage(account: AccountKey, path: string, message: MessageMeta): Promise<boolean> {
    const stored = await this.inner.importMessage(account, path, message);
    if (stored)
      this.tell(account, path, 'append', { highestModseq: message.modseq, uidNext: message.uid + 1 });
    return stored;
  }

  private tell(
    account: AccountKey,
    path: string,
    kind: MailboxEventKind,
    state: { highestModseq?: number; uidNext?: number } = {},
  ): void {
    this.events.publish({ account, path, kind, ...state });
  }
}
