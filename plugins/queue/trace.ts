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
