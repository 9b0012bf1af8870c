import { countReceivedFields, type BlobStore, type QueuedMessage } from '../../core/index.js';

/** Header blocks longer than this are not read further (a loop shows long before). */
const MAX_HEADER_READ = 256 * 1024;

/**
 * The message's hop count as AltaVista §2.12 and decision 13 define it: the `Received:` fields of
 * the message as it arrived, that is those stored minus the one this server added when spooling.
 * They are counted at spool time; only a job queued without that count has its header read here.
 */
export async function hopCount(blobs: BlobStore, message: QueuedMessage): Promise<number> {
  if (message.received !== undefined) return Math.max(0, message.received - 1);
  const end = Math.min(message.mime.bodyStart, MAX_HEADER_READ);
  const stream = await blobs.openBlob(message.blobId, { start: 0, end });
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Math.max(0, countReceivedFields(Buffer.concat(chunks)) - 1);
}
