import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { Binary } from 'mongodb';
import type { BlobInfo, BlobStore } from '../../core/ports/index.js';
import { clampRange, NotFoundError } from '../../core/ports/index.js';
import type { Collections } from './collections.js';

/**
 * 64 KiB: small enough that the driver's buffers for a write or a read batch stay small (with
 * GridFS's 255 KiB a 50 MB upload grew the process by over 30 MB), large enough that a 50 MB body
 * is 800 documents.
 */
export const CHUNK_SIZE = 64 * 1024;

/**
 * Bodies as numbered chunk documents, written as the stream arrives (at most one chunk buffered).
 * The blob document is inserted first with `complete: false` and flipped once every chunk is
 * journaled, so a crash mid-upload leaves an incomplete blob nobody references, never a truncated
 * body that looks whole.
 */
export class MongoBlobStore implements BlobStore {
  constructor(private readonly cols: Collections) {}

  async putBlob(body: Readable): Promise<BlobInfo> {
    const id = randomUUID();
    await this.cols.blobs.insertOne({ _id: id, size: 0, complete: false, createdAt: new Date() });
    let size = 0;
    let n = 0;
    for await (const chunk of chunked(body)) {
      await this.cols.blobChunks.insertOne({ blobId: id, n: n++, data: new Binary(chunk) });
      size += chunk.length;
    }
    await this.cols.blobs.updateOne({ _id: id }, { $set: { size, complete: true } });
    await this.cols.blobRefs.insertOne({ _id: randomUUID(), blobId: id });
    return { id, size };
  }

  async openBlob(id: string, range?: { start: number; end: number }): Promise<Readable> {
    const info = await this.statBlob(id);
    if (!info) throw new NotFoundError(`blob ${id}`);
    const { start, end } = clampRange(info.size, range);
    return Readable.from(this.readRange(id, start, end));
  }

  async statBlob(id: string): Promise<BlobInfo | null> {
    const doc = await this.cols.blobs.findOne({ _id: id, complete: true });
    return doc ? { id, size: doc.size } : null;
  }

  async addBlobRef(id: string): Promise<void> {
    if (!(await this.statBlob(id))) throw new NotFoundError(`blob ${id}`);
    await this.cols.blobRefs.insertOne({ _id: randomUUID(), blobId: id });
  }

  /**
   * Deletes one reference document (only one caller can delete a given one), then removes the
   * blob when none is left. Chunks and structure go first and the blob document last: a crash in
   * between leaves an unreferenced blob document that marks the leftover for a sweep, never a
   * referenced blob without its chunks.
   */
  async releaseBlob(id: string): Promise<void> {
    for (;;) {
      const ref = await this.cols.blobRefs.findOne({ blobId: id });
      if (!ref) return;
      if ((await this.cols.blobRefs.deleteOne({ _id: ref._id })).deletedCount === 1) break;
    }
    if ((await this.cols.blobRefs.countDocuments({ blobId: id }, { limit: 1 })) > 0) return;
    await this.cols.blobChunks.deleteMany({ blobId: id });
    await this.cols.blobStructures.deleteOne({ _id: id });
    await this.cols.blobs.deleteOne({ _id: id });
  }

  /** Yields [start, end) from the chunks that cover it, one chunk document in memory at a time. */
  private async *readRange(id: string, start: number, end: number): AsyncGenerator<Buffer> {
    if (start >= end) return;
    const first = Math.floor(start / CHUNK_SIZE);
    const last = Math.floor((end - 1) / CHUNK_SIZE);
    const cursor = this.cols.blobChunks
      .find({ blobId: id, n: { $gte: first, $lte: last } })
      .sort({ n: 1 })
      .batchSize(4);
    for await (const chunk of cursor) {
      const offset = chunk.n * CHUNK_SIZE;
      const data = Buffer.from(chunk.data.buffer);
      yield data.subarray(Math.max(0, start - offset), Math.min(data.length, end - offset));
    }
  }
}

/** Regroups a stream into CHUNK_SIZE buffers (the last one shorter). */
async function* chunked(body: Readable): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingSize = 0;
  for await (const piece of body) {
    let buf: Buffer = typeof piece === 'string' ? Buffer.from(piece) : (piece as Buffer);
    while (pendingSize + buf.length >= CHUNK_SIZE) {
      const take = CHUNK_SIZE - pendingSize;
      pending.push(buf.subarray(0, take));
      yield Buffer.concat(pending);
      pending = [];
      pendingSize = 0;
      buf = buf.subarray(take);
    }
    if (buf.length > 0) {
      pending.push(buf);
      pendingSize += buf.length;
    }
  }
  if (pendingSize > 0) yield Buffer.concat(pending);
}
