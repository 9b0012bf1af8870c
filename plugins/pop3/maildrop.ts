import type { AccountKey, MailStore } from '../../core/index.js';
import type { MessageSizes } from './message-sizes.js';

const INBOX = 'INBOX';

export interface MaildropMessage {
  /** 1-based message number of this session. */
  number: number;
  uid: number;
  blobId: string;
  /** CRLF-normalised octets, as LIST reports them. */
  octets: number;
  /** Stable across sessions and restarts: INBOX UIDVALIDITY and UID. */
  uidl: string;
  deleted: boolean;
}

/**
 * A POP3 session's view of INBOX: the messages there at login, numbered from 1, with deletion marks
 * that only `commit` (the UPDATE state, after QUIT) turns into removals. Mail that arrives during the
 * session is not seen until the next one, as RFC 1939 expects.
 */
export class Maildrop {
  private constructor(
    private readonly store: MailStore,
    private readonly account: AccountKey,
    readonly messages: MaildropMessage[],
  ) {}

  /** @param gone aborted when the client goes away: stops counting sizes not recorded at delivery */
  static async open(
    store: MailStore,
    sizes: MessageSizes,
    account: AccountKey,
    gone?: AbortSignal,
  ): Promise<Maildrop> {
    const folder = await store.getFolder(account, INBOX);
    if (!folder) return new Maildrop(store, account, []);
    const metas = await store.listMessages(account, INBOX);
    const octets = await sizes.sizesOf(metas, gone);
    const messages = metas.map((meta, i) => ({
      number: i + 1,
      uid: meta.uid,
      blobId: meta.blobId,
      octets: octets[i],
      uidl: `${folder.uidValidity}.${meta.uid}`,
      deleted: false,
    }));
    return new Maildrop(store, account, messages);
  }

  /** Messages not marked deleted. */
  get visible(): MaildropMessage[] {
    return this.messages.filter((message) => !message.deleted);
  }

  get totalOctets(): number {
    return this.visible.reduce((sum, message) => sum + message.octets, 0);
  }

  /** The message with this number, unless it does not exist or is marked deleted. */
  find(number: number): MaildropMessage | undefined {
    const message = this.messages[number - 1];
    return message && !message.deleted ? message : undefined;
  }

  reset(): void {
    for (const message of this.messages) message.deleted = false;
  }

  /**
   * Removes the messages marked deleted. The expunge is limited to exactly those UIDs, so a
   * message someone else flagged \Deleted (an IMAP client) is left alone, and the removal itself is
   * one atomic store operation.
   */
  async commit(): Promise<number> {
    const uids = this.messages.filter((message) => message.deleted).map((message) => message.uid);
    if (uids.length === 0) return 0;
    await this.store.updateFlags(this.account, INBOX, { uids, operation: 'add', flags: ['\\Deleted'] });
    return (await this.store.expunge(this.account, INBOX, uids)).length;
  }
}
