import type { BlobStore } from '../../core/index.js';

/** Header blocks longer than this are not read further (a loop shows long before). */
const MAX_HEADER_READ = 256 * 1024;

/**
 * The message's hop count as AltaVista §2.12 and decision 13 define it: the `Received:` fields of
 * the message as it arrived, that is those stored minus the one this server added when spooling.
 * Only the header block is read.
 */
export async function hopCount(blobs: BlobStore, blobId: string, headerSize: number): Promise<number> {
  const stream = await blobs.openBlob(blobId, { start: 0, end: Math.min(headerSize, MAX_HEADER_READ) });
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  const received =
    Buffer.concat(chunks)
      .toString('latin1')
      .match(/^Received:/gim)?.length ?? 0;
  return Math.max(0, received - 1);
}
