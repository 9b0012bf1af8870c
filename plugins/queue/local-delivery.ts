import { Readable } from 'node:stream';
import type { AccountKey, MimeNode, Storage } from '../../core/index.js';
import { formatReturnPath, NotFoundError } from '../../core/index.js';
import type { DeliveryJobData } from './job.js';
import { traceOf } from './trace.js';

export type LocalOutcome = { status: 'delivered'; destination: string } | { status: 'failed'; error: string };

/** One store action of the routing expansion. */
export interface LocalTarget {
  recipient: string;
  account: AccountKey;
  /** The reverse path as the mailbox shows it (the store action's, mapped through external aliases). */
  returnPath: string;
  /**
   * `<queueId>/<action key>`, the same on every try: the append is idempotent on it, so a worker
   * killed between the append and recording the action as done does not make a second copy.
   */
  deliveryKey: string;
  /**
   * Hand the queue's reference to the body over to the new message (MailStore adoptReference):
   * only for the job's last use of its body, and only once the job records that the queue no
   * longer holds it. Never together with a Return-Path copy (see needsReturnPath).
   */
  adoptQueueReference?: boolean;
}

/** The body a mailbox message points at. */
interface StoredBody {
  blobId: string;
  size: number;
  mime: MimeNode;
}

/**
 * The local deliveries of one try of a job: appends to INBOXes. The body is shared, not copied,
 * when its header already has a Return-Path (the SMTP server writes it on top when every recipient
 * is local, our reports to local senders carry `<>`), and for the null reverse path, which on a
 * message without one is a POP3-fetched message whose sender nobody checked, not a bounce.
 * Otherwise (recipients local and remote, messages forwarded from such) the final delivery adds it
 * (RFC 5321 §4.4) in a copy of the body, made once per reverse path and try and shared by the
 * try's local recipients; the queued body, which also leaves for remote hosts and forwards, stays
 * without it. The try holds a reference to each copy until close(), so a mailbox that expunges
 * its message meanwhile cannot take the body away from the next recipient; after close() the
 * copies live on in the mailboxes that hold them (a repeated delivery key holds none, so such a
 * copy goes).
 */
export class LocalDelivery {
  private returnPathNeeded?: Promise<boolean>;
  private readonly copies = new Map<string, Promise<StoredBody>>();

  constructor(
    private readonly storage: Storage,
    private readonly message: DeliveryJobData,
  ) {}

  /** Throws when it is worth retrying (storage unavailable and the like). */
  async deliver(target: LocalTarget): Promise<LocalOutcome> {
    try {
      const copied = await this.needsReturnPath();
      const body = copied
        ? await this.copyWithReturnPath(target.returnPath)
        : { blobId: this.message.blobId, size: this.message.size, mime: this.message.mime };
      const meta = await this.storage.mail.append(
        target.account,
        'INBOX',
        {
          ...body,
          internalDate: new Date(this.message.queuedAt),
          flags: [],
          envelope: this.message.envelope,
        },
        { deliveryKey: target.deliveryKey, adoptReference: target.adoptQueueReference && !copied },
      );
      const { account } = target;
      return { status: 'delivered', destination: `${account.name}@${account.domain}/INBOX;UID=${meta.uid}` };
    } catch (err) {
      // The account (or its INBOX) went away since routing: as final as an unknown user.
      if (err instanceof NotFoundError)
        return { status: 'failed', error: `550 5.1.1 <${target.recipient}>: ${err.message}` };
      throw err;
    }
  }

  /** Drops this try's references to its copies. */
  async close(): Promise<void> {
    const copies = await Promise.allSettled(this.copies.values());
    this.copies.clear();
    for (const copy of copies) {
      if (copy.status === 'fulfilled') await this.storage.blobs.releaseBlob(copy.value.blobId);
    }
  }

  /** Whether the local copies get a body of their own, with the Return-Path on top. */
  needsReturnPath(): Promise<boolean> {
    this.returnPathNeeded ??=
      this.message.mailFrom === ''
        ? Promise.resolve(false)
        : traceOf(this.storage.blobs, this.message).then((trace) => !trace.returnPath);
    return this.returnPathNeeded;
  }

  private copyWithReturnPath(returnPath: string): Promise<StoredBody> {
    let copy = this.copies.get(returnPath);
    if (!copy) {
      copy = this.prependToBody(formatReturnPath(returnPath));
      this.copies.set(returnPath, copy);
    }
    return copy;
  }

  /**
   * Stores `prefix` + the queued body as a new blob (streamed, never whole in memory), the try
   * owning its one reference. The MIME structure is the queued one moved down by the prefix, which
   * joins the top-level header.
   */
  private async prependToBody(prefix: string): Promise<StoredBody> {
    const head = Buffer.from(prefix, 'utf8');
    const body = await this.storage.blobs.openBlob(this.message.blobId);
    let stored;
    try {
      stored = await this.storage.blobs.putBlob(
        Readable.from(
          (async function* () {
            yield head;
            yield* body;
          })(),
        ),
      );
    } finally {
      body.destroy(); // a store that gave up half-way must not leave the source open
    }
    return { blobId: stored.id, size: stored.size, mime: shiftMime(this.message.mime, head.length, true) };
  }
}

function shiftMime(node: MimeNode, by: number, root = false): MimeNode {
  return {
    ...node,
    headerStart: root ? node.headerStart : node.headerStart + by,
    bodyStart: node.bodyStart + by,
    end: node.end + by,
    // The prefix (a Return-Path field) ends with CRLF, so it adds exactly its length on the wire.
    ...(root && node.crlfSize !== undefined ? { crlfSize: node.crlfSize + by } : {}),
    ...(node.children ? { children: node.children.map((child) => shiftMime(child, by)) } : {}),
  };
}
