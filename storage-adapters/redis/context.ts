import type { Redis } from 'ioredis';
import type { Scripts } from './scripts.js';

/** What every store of one Storage shares: the connection, the scripts and the key prefix. */
export class RedisContext {
  constructor(
    readonly redis: Redis,
    readonly scripts: Scripts,
    readonly prefix: string,
  ) {}

  key(name: string): string {
    return this.prefix + name;
  }

  /** Rows of an ordered table (see keys.ts) in the order of `orderKey`, parsed from JSON. */
  async readOrdered<T>(
    table: string,
    orderKey: string,
    range: { offset: number; count: number } = { offset: 0, count: -1 },
  ): Promise<T[]> {
    const stop = range.count < 0 ? -1 : range.offset + range.count - 1;
    const ids = await this.redis.zrange(this.key(orderKey), range.offset, String(stop));
    if (ids.length === 0) return [];
    const rows = await this.redis.hmget(this.key(table), ...ids);
    return rows.filter((row): row is string => row !== null).map((row) => JSON.parse(row) as T);
  }
}
