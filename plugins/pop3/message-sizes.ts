import type { Redis } from 'ioredis';
import type { BlobStore, MessageMeta } from '../../core/index.js';
import { countOctets } from './message-encoder.js';

const PREFIX = 'mw:pop3:octets:';
/** Sizes of bodies nobody fetched for this long are forgotten (and recomputed if ever needed). */
const TTL_SECONDS = 90 * 86_400;

/** Bodies counted at once when sizes were not recorded at delivery. */
const COUNT_CONCURRENCY = 8;

/**
 * The CRLF-normalised sizes LIST and STAT report. A stored body may have bare LFs or lack a final
 * CRLF, so its blob size is not what RETR sends. The MIME analysis records the true size at
 * delivery (`crlfSize`); a message stored before that was recorded is counted by reading its body
 * once, and the count kept in Redis by blob id (bodies never change, and ids are never reused),
 * shared by every process and every account the same body was delivered to.
 */
export class MessageSizes {
  constructor(
    private readonly redis: Redis,
    private readonly blobs: BlobStore,
  ) {}

  /** @param gone aborts the counting (the client went away): rejects with its reason */
  async sizesOf(messages: Pick<MessageMeta, 'blobId' | 'mime'>[], gone?: AbortSignal): Promise<number[]> {
    const sizes = messages.map((message) => message.mime.crlfSize);
    const unknown = [...sizes.keys()].filter((i) => sizes[i] === undefined);
    if (unknown.length === 0) return sizes as number[];
    const cached = await this.redis.mget(unknown.map((i) => PREFIX + messages[i].blobId));
    const toCount: number[] = [];
    for (const [n, i] of unknown.entries()) {
      if (cached[n] !== null) sizes[i] = Number(cached[n]);
      else toCount.push(i);
    }
    for (let start = 0; start < toCount.length; start += COUNT_CONCURRENCY) {
      gone?.throwIfAborted();
      await Promise.all(
        toCount.slice(start, start + COUNT_CONCURRENCY).map(async (i) => {
          const id = messages[i].blobId;
          sizes[i] = await countOctets(await this.blobs.openBlob(id));
          await this.redis.set(PREFIX + id, sizes[i], 'EX', TTL_SECONDS);
        }),
      );
    }
    return sizes as number[];
  }
}
