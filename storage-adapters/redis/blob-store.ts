import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { clampRange, type BlobInfo, type BlobStore } from '../../core/ports/blob-store.js';
import { NotFoundError } from '../../core/ports/errors.js';
import type { RedisContext } from './context.js';

/** Bodies are cut into keys of this size; at most one chunk is buffered while writing or reading. */
export const CHUNK_SIZE = 256 * 1024;

/**
 * Chunks of a body still being written expire unless the upload completes (completion PERSISTs
 * them), so a process dying mid-upload leaves no garbage behind for longer than this.
 */
const PENDING_TTL_SECONDS = 24 * 3600;
const BLOB_ID = /^[0-9a-f]{32}$/;

export class RedisBlobStore implements BlobStore {
  constructor(private readonly ctx: RedisContext) {}

  async putBlob(body: Readable): Promise<BlobInfo> {
    const id = randomBytes(16).toString('hex');
    const chunkKey = (n: number): string => this.ctx.key(`blob:${id}:${n}`);
    // One chunk buffer, reused: each SET is awaited (so ioredis has serialised it) before refilling.
    const chunk = Buffer.allocUnsafe(CHUNK_SIZE);
    let filled = 0;
    let chunks = 0;
    let size = 0;
    const flush = async (): Promise<void> => {
      await this.ctx.redis.set(chunkKey(chunks), chunk.subarray(0, filled), 'EX', PENDING_TTL_SECONDS);
      chunks++;
      filled = 0;
    };
    try {
      for await (const data of body) {
        const piece: Buffer = typeof data === 'string' ? Buffer.from(data) : (data as Buffer);
        size += piece.length;
        for (let offset = 0; offset < piece.length;) {
          const copied = piece.copy(chunk, filled, offset);
          filled += copied;
          offset += copied;
          if (filled === CHUNK_SIZE) await flush();
        }
      }
      if (filled > 0) await flush();
      // The body becomes visible (and permanent) in one step, after every chunk is written.
      const multi = this.ctx.redis.multi();
      for (let n = 0; n < chunks; n++) multi.persist(chunkKey(n));
      multi.hset(this.ctx.key(`blob:${id}`), 'size', size, 'chunks', chunks, 'refs', 1);
      await multi.exec();
    } catch (err) {
      if (chunks > 0)
        await this.ctx.redis.del(...Array.from({ length: chunks }, (_, n) => chunkKey(n))).catch(() => 0);
      throw err;
    }
    return { id, size };
  }

  async openBlob(id: string, range?: { start: number; end: number }): Promise<Readable> {
    const info = await this.statBlob(id);
    if (!info) throw new NotFoundError(`blob ${id}`);
    const { start, end } = clampRange(info.size, range);
    return Readable.from(this.readChunks(id, start, end), { objectMode: false });
  }

  async statBlob(id: string): Promise<BlobInfo | null> {
    if (!BLOB_ID.test(id)) return null;
    const size = await this.ctx.redis.hget(this.ctx.key(`blob:${id}`), 'size');
    return size === null ? null : { id, size: Number(size) };
  }

  async addBlobRef(id: string): Promise<void> {
    await this.changeRef(id, 1);
  }

  async releaseBlob(id: string): Promise<void> {
    await this.changeRef(id, -1);
  }

  private async changeRef(id: string, delta: 1 | -1): Promise<void> {
    if (!BLOB_ID.test(id)) throw new NotFoundError(`blob ${id}`);
    await this.ctx.scripts.run('blobRef', id, delta);
  }

  /** Reads chunk by chunk, each fetched only when the consumer wants more. */
  private async *readChunks(id: string, start: number, end: number): AsyncGenerator<Buffer> {
    for (let offset = start; offset < end;) {
      const n = Math.floor(offset / CHUNK_SIZE);
      const from = offset - n * CHUNK_SIZE;
      const to = Math.min(end - n * CHUNK_SIZE, CHUNK_SIZE);
      const data = await this.ctx.redis.getrangeBuffer(this.ctx.key(`blob:${id}:${n}`), from, to - 1);
      if (data.length !== to - from) throw new NotFoundError(`blob ${id} (deleted while being read)`);
      yield data;
      offset += data.length;
    }
  }
}
