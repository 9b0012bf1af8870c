import type { Readable } from 'node:stream';
import type { BlobStore, QueuedMessage } from '../../core/index.js';

export const DELIVERY_QUEUE_NAME = 'delivery';
export const DELIVERY_JOB_NAME = 'deliver';

/** A recipient that failed for good: the reply (or our own text) and a one-line summary. */
export interface RecipientFailure {
  recipient: string;
  /** SMTP-style reply, `550 5.1.1 ...`: its enhanced code becomes the report's Status. */
  error: string;
  /** "Message expired", "Hop count exceeded" ... (AltaVista §2.12 report summaries). */
  summary: string;
  remoteMta?: string;
}

/**
 * A delivery job. Progress is kept in the job itself, so a retry (in any worker process, after a
 * crash too) skips recipients already settled and never reports one twice.
 */
export interface DeliveryJobData extends QueuedMessage {
  /** ISO time the message was accepted; becomes the IMAP INTERNALDATE and the DSN Arrival-Date. */
  queuedAt: string;
  /** ISO time of the last progress (acceptance, a delivery, a resubmission): expiry counts from it. */
  progressAt: string;
  /** Recipients delivered or permanently failed. */
  settled: string[];
  /**
   * Actions of the routing expansion already carried out (recipient-plan.ts keys): a recipient
   * retried because one of its actions was deferred does not get its other copies twice.
   */
  settledActions: string[];
  failures: RecipientFailure[];
  /** Recipients a report was sent for. */
  reported: string[];
  /** The last temporary error per recipient still deferred (shown in logs and expiry reports). */
  deferred: Record<string, string>;
  /** Delivery attempts so far (XMail frozlist try count). */
  tries: number;
  lastTryAt?: string;
  /** Set before the queue's blob reference is released, so a retry never releases it twice. */
  blobReleased: boolean;
}

/** A new job's data for an accepted message. */
export function newJobData(message: QueuedMessage, now: Date): DeliveryJobData {
  return {
    ...message,
    queuedAt: now.toISOString(),
    progressAt: now.toISOString(),
    settled: [],
    settledActions: [],
    failures: [],
    reported: [],
    deferred: {},
    tries: 0,
    blobReleased: false,
  };
}

/**
 * The body as it leaves for another server (forwards, remote delivery): without the Return-Path
 * the SMTP server put on top for local mailboxes, which only the final delivery adds (RFC 5321
 * §4.4).
 */
export function outboundBody(
  blobs: BlobStore,
  message: QueuedMessage,
): { size: number; open: () => Promise<Readable> } {
  const start = message.returnPathBytes ?? 0;
  return {
    size: message.size - start,
    open: () => blobs.openBlob(message.blobId, { start, end: message.size }),
  };
}

/** The recipients still waiting for an outcome. */
export function pendingRecipients(data: DeliveryJobData): string[] {
  return data.recipients.filter((recipient) => !data.settled.includes(recipient));
}
