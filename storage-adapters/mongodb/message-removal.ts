import type { Filter } from 'mongodb';
import type { BlobStore } from '../../core/ports/index.js';
import type { Collections, MessageDoc } from './collections.js';

/**
 * Deletes the matching messages one by one and releases each body. The blob is released only by
 * the process whose deleteOne removed the message, so concurrent expunges never release twice; a
 * crash between the two leaks one reference (the body stays), never frees a body still in use.
 * Resolves the removed UIDs, ascending.
 */
export async function removeMessages(
  cols: Collections,
  blobs: BlobStore,
  filter: Filter<MessageDoc>,
): Promise<number[]> {
  const removed: number[] = [];
  const cursor = cols.messages.find(filter, { projection: { _id: 1, uid: 1, blobId: 1 } }).sort({ uid: 1 });
  for await (const message of cursor) {
    const result = await cols.messages.deleteOne({ _id: message._id });
    if (result.deletedCount === 0) continue;
    await blobs.releaseBlob(message.blobId);
    removed.push(message.uid);
  }
  return removed;
}
