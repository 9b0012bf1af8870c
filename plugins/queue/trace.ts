import { readTraceFields, type BlobStore, type QueuedMessage, type TraceFields } from '../../core/index.js';

/** Header blocks longer than this are not read further (a loop shows long before). */
const MAX_HEADER_READ = 256 * 1024;

/**
 * The message's trace fields (Received count, Return-Path present), as recorded when it was
 * spooled; only a job queued without them has its header block read from the body.
 */
export async function traceOf(blobs: BlobStore, message: QueuedMessage): Promise<TraceFields> {
  if (message.trace) return message.trace;
  const end = Math.min(message.mime.bodyStart, MAX_HEADER_READ);
  const chunks: Buffer[] = [];
  for await (const chunk of await blobs.openBlob(message.blobId, { start: 0, end }))
    chunks.push(chunk as Buffer);
  return readTraceFields(Buffer.concat(chunks));
}

/**
 * The message's hop count as AltaVista §2.12 and decision 13 define it: the `Received:` fields of
 * the message as it arrived, that is those stored minus the one this server added when spooling.
 */
export function hopsOf(trace: TraceFields): number {
  return Math.max(0, trace.received - 1);
}
