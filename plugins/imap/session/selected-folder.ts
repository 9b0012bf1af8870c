import type { Account, AccountKey, MailStore, MessageMeta } from '../../../core/index.js';
import { atom, type ResponseValue } from '../protocol/index.js';
import type { ImapSession } from './session.js';

/**
 * The selected folder as this session's client knows it: the sequence-number → UID map, and the
 * folder's MODSEQ up to which the client has been told of changes. Other sessions, processes and
 * deliveries change the folder at any time; announceChanges tells the client at the points the
 * session allows (RFC 3501 §5.2, §7.4.1):
 *  - messages expunged elsewhere stay in the map (numbering unchanged) until EXPUNGE responses
 *    may be sent, then go, highest sequence number first so the lower numbers stay valid;
 *  - new messages are appended and announced with EXISTS;
 *  - flag changes made elsewhere are sent as FETCH FLAGS.
 */
export class SelectedFolder {
  /** UIDs by sequence number - 1, ascending; expunged-but-unannounced UIDs included. */
  private uids: number[];
  /**
   * The MODSEQ of each message as the client last saw it, beside `uids` (so its own STOREs are not
   * echoed twice). Two plain arrays of small integers: an idle session holds little.
   */
  private modseqs: number[];
  /** Expunged elsewhere, not yet announced. */
  private readonly vanished = new Set<number>();
  private highestModseq: number;
  /** UIDs saved by SEARCH RETURN (SAVE), what `$` names (RFC 5182); a new selection starts empty. */
  savedSearch: readonly number[] = [];

  private constructor(
    private readonly store: MailStore,
    readonly account: AccountKey,
    /** The storage path (`INBOX`, `Archive/2026`). */
    readonly path: string,
    readonly readOnly: boolean,
    readonly uidValidity: number,
    messages: MessageMeta[],
    highestModseq: number,
  ) {
    this.uids = messages.map((message) => message.uid);
    this.modseqs = messages.map((message) => message.modseq);
    this.highestModseq = highestModseq;
  }

  /** Opens the folder for SELECT (read-write) or EXAMINE; null when it does not exist. */
  static async open(
    store: MailStore,
    account: Account,
    path: string,
    readOnly: boolean,
  ): Promise<{ folder: SelectedFolder; messages: MessageMeta[]; uidNext: number } | null> {
    const info = await store.getFolder(account, path);
    if (!info) return null;
    const messages = await store.listMessages(account, path);
    // Changes that committed between the two reads are announced at the next check.
    const folder = new SelectedFolder(
      store,
      { domain: account.domain, name: account.name },
      path,
      readOnly,
      info.uidValidity,
      messages,
      info.highestModseq,
    );
    return { folder, messages, uidNext: info.uidNext };
  }

  get exists(): number {
    return this.uids.length;
  }

  /** The UIDs by sequence number - 1 (for sequence-set resolution). */
  get uidList(): readonly number[] {
    return this.uids;
  }

  /** The sequence number of `uid`, or 0 when the client does not know it. */
  sequenceOf(uid: number): number {
    let low = 0;
    let high = this.uids.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const value = this.uids[middle];
      if (value === uid) return middle + 1;
      if (value < uid) low = middle + 1;
      else high = middle - 1;
    }
    return 0;
  }

  /** Whether `uid` was expunged elsewhere and the client has not been told yet. */
  isVanished(uid: number): boolean {
    return this.vanished.has(uid);
  }

  /** This session changed the message (STORE, its own fetch setting \Seen) and told the client. */
  sawModseq(uid: number, modseq: number): void {
    const index = this.sequenceOf(uid) - 1;
    if (index >= 0) this.modseqs[index] = modseq;
  }

  /** This session expunged these UIDs and sends the EXPUNGE responses itself: they leave the map. */
  forget(uids: readonly number[]): void {
    const gone = new Set(uids);
    const kept = this.uids.flatMap((uid, index) => (gone.has(uid) ? [] : [index]));
    this.uids = kept.map((index) => this.uids[index]);
    this.modseqs = kept.map((index) => this.modseqs[index]);
    for (const uid of uids) this.vanished.delete(uid);
  }

  /** A message this session appended or copied in: the client learns of it through EXISTS. */
  async announceChanges(session: ImapSession, opts: { expunges: boolean }): Promise<void> {
    const info = await this.store.getFolder(this.account, this.path);
    if (!info || info.uidValidity !== this.uidValidity) {
      session.end('* BYE The selected mailbox was deleted or renamed elsewhere');
      return;
    }
    const changed =
      info.highestModseq === this.highestModseq
        ? []
        : await this.store.listMessages(this.account, this.path, undefined, {
            changedSince: this.highestModseq,
          });
    const lastKnown = this.uids.at(-1) ?? 0;
    const added = changed.filter((message) => message.uid > lastKnown);
    const expected = this.uids.length - this.vanished.size + added.length;
    if (info.messages < expected) await this.findVanished(lastKnown);

    if (opts.expunges && this.vanished.size > 0) {
      const sequences = [...this.vanished].map((uid) => this.sequenceOf(uid)).sort((a, b) => b - a);
      for (const sequence of sequences) await session.untagged([sequence, atom('EXPUNGE')]);
      this.forget([...this.vanished]);
    }
    if (added.length > 0) {
      for (const message of added) {
        this.uids.push(message.uid);
        this.modseqs.push(message.modseq);
      }
      await session.untagged([this.uids.length, atom('EXISTS')]);
    }
    for (const message of changed) {
      if (message.uid > lastKnown) continue;
      const sequence = this.sequenceOf(message.uid);
      if (sequence === 0 || this.modseqs[sequence - 1] === message.modseq) continue;
      this.modseqs[sequence - 1] = message.modseq;
      await session.untagged([sequence, atom('FETCH'), flagUpdate(session, message)]);
    }
    this.highestModseq = Math.max(info.highestModseq, ...changed.map((message) => message.modseq));
  }

  /** Nothing to give back today; the place for unsubscribing from change events. */
  async close(): Promise<void> {}

  /** Which of the client's messages are gone from the store. */
  private async findVanished(lastKnown: number): Promise<void> {
    const present = new Set(
      (await this.store.listMessages(this.account, this.path, { from: 1, to: lastKnown })).map(
        (message) => message.uid,
      ),
    );
    for (const uid of this.uids) if (!present.has(uid)) this.vanished.add(uid);
  }
}

/** `(FLAGS (...))`, with the UID and, under CONDSTORE, the MODSEQ (RFC 7162 §3.2.4). */
function flagUpdate(session: ImapSession, message: MessageMeta): ResponseValue[] {
  const items: ResponseValue[] = [
    atom('UID'),
    message.uid,
    atom('FLAGS'),
    message.flags.map((flag) => atom(flag)),
  ];
  if (session.enabled.has('CONDSTORE')) items.push(atom('MODSEQ'), [message.modseq]);
  return items;
}
