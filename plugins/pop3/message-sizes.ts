import type { Redis } from 'ioredis';
import type { BlobStore } from '../../core/index.js';
import { countOctets } from './message-encoder.js';

const PREFIX = 'mw:pop3:octets:';
/** Sizes of bodies nobody fetched for this long are forgotten (and recomputed if ever needed). */
const TTL_SECONDS = 90 * 86_400;

/**
 * The CRLF-normalised sizes LIST and STAT report. A stored body may have bare LFs or lack a final
 * CRLF, so its blob size is not what RETR sends; the true size is counted by reading the body
 * once and kept in Redis by blob id (bodies never change, and ids are never reused), shared by
 * every process and every account the same body was delivered to.
 */
export class MessageSizes {
  constructor(
    private readonly redis: Redis,
    private readonly blobs: BlobStore,
  ) {}

  async sizesOf(blobIds: string[]): Promise<number[]> {
    if (blobIds.length === 0) return [];
    const cached = await this.redis.mget(blobIds.map((id) => PREFIX + id));
    const sizes: number[] = [];
    for (const [i, id] of blobIds.entries()) {
      const known = cached[i];
      if (known !== null) sizes.push(Number(known));
      else {
        const size = await countOctets(await this.blobs.openBlob(id));
        await this.redis.set(PREFIX + id, size, 'EX', TTL_SECONDS);
        sizes.push(size);
      }
    }
    return sizes;
  }
}
