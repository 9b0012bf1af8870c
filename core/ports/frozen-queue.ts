import type { Readable } from 'node:stream';
import type { InjectionToken } from 'tsyringe';

/**
 * A message on the delivery queue, named by the queue's own id (any scheme the implementation
 * likes). Protocol views map their names onto it: XMail's `lev0 lev1 msgfile` is the xmail-ctrl
 * plugin's concern.
 */
export interface QueuedMessageRef {
  id: string;
}

/** One permanently failed message, held until an admin resubmits or deletes it (XMail frozlist row). */
export interface FrozenMessage extends QueuedMessageRef {
  /** Reverse path without `<>` ('' for the null sender). */
  from: string;
  /** Recipient(s) without `<>`; several joined by `,`. */
  rcpt: string;
  /** Time of the last delivery attempt. */
  lastTry: Date;
  /** Octets of the message. */
  size: number;
  tryCount: number;
}

/**
 * The admin view of the delivery queue's frozen and deferred messages (XMail frozlist, frozsubmit,
 * frozdel, frozgetlog, frozgetmsg, etrn). The queue plugin implements it and registers it under
 * FrozenQueueToken; admin protocols resolve it when a command needs it.
 */
export interface FrozenQueue {
  list(): Promise<FrozenMessage[]>;
  /** Puts the message back on the delivery queue. Resolves false when there is no such message. */
  submit(ref: QueuedMessageRef): Promise<boolean>;
  /** Resolves false when there is no such message. */
  delete(ref: QueuedMessageRef): Promise<boolean>;
  /** The message's delivery log (text), or null when there is no such message. */
  log(ref: QueuedMessageRef): Promise<Readable | null>;
  /** The spooled message (envelope lines then the message, as XMail's spool file), or null. */
  message(ref: QueuedMessageRef): Promise<Readable | null>;
  /**
   * Retries now every deferred delivery whose recipient address matches the XMail wildcard
   * pattern (case-insensitive, e.g. `*@*.example.org`). Resolves how many were rescheduled.
   */
  rescheduleDeferred(pattern: string): Promise<number>;
}

export const FrozenQueueToken = Symbol.for('mailwright.FrozenQueue') as InjectionToken<FrozenQueue>;
