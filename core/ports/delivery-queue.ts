import type { InjectionToken } from 'tsyringe';
import type { Envelope, MimeNode } from '../model/mime.js';
import type { DsnParams } from '../delivery/dsn.js';
import type { TraceFields } from '../mime/header-fields.js';

/** One accepted message waiting for delivery: the spooled body and its SMTP envelope. */
export interface QueuedMessage {
  /** Reverse path; '' for the null sender (bounces). */
  mailFrom: string;
  recipients: string[];
  blobId: string;
  size: number;
  mime: MimeNode;
  envelope: Envelope;
  /**
   * Trace fields of the stored header, read when it was spooled, so a delivery try need not read
   * the header again (hop limit, Return-Path). Absent on jobs queued before they were recorded.
   */
  trace?: TraceFields;
  /** SpooledMessage.returnPathBytes: what leaves for another server starts after these octets. */
  returnPathBytes?: number;
  /** RET/ENVID/NOTIFY/ORCPT as the client gave them (RFC 3461), for the reports we send. */
  dsn?: DsnParams;
  /** The SMTP AUTH user that submitted it (mailing-list `A` permission, mailproc @@USERAUTH). */
  authUser?: string;
  /**
   * Makes the enqueue idempotent: a second message with the same key, while the first is still
   * queued, is not queued again (its body reference is released). POP3 links use
   * `<link>/<uidl>`, so a fetch repeated after a crash cannot deliver a message twice.
   */
  dedupeKey?: string;
}

/**
 * The delivery queue (the queue plugin implements it on BullMQ). `enqueue` resolves once the job
 * is durable, with its queue id; from then on the queue owns the caller's blob reference and
 * releases it when the message is done. If `enqueue` rejects, the caller still owns it.
 */
export interface DeliveryQueue {
  enqueue(message: QueuedMessage): Promise<string>;
}

export const DeliveryQueueToken = Symbol.for('mailwright.DeliveryQueue') as InjectionToken<DeliveryQueue>;
