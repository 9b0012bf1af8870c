/**
 * The Redis storage adapter: `createStorage('redis://host:6379/0?prefix=mw:')` or
 * `createStorage('unix:///run/redis/redis.sock?db=0&prefix=mw:')`. Several storages can share one
 * database through different prefixes. Key layout: keys.ts. Atomic changes: Lua scripts in lua/.
 *
 * Durability (what an operator must configure on the Redis server; the adapter cannot check it for
 * a managed Redis and does not issue WAIT):
 *   - `appendonly yes` is required. With RDB snapshots alone every write since the last snapshot is
 *     lost on a crash, including mail already acknowledged with 250.
 *   - `appendfsync always`: Redis fsyncs the AOF before answering each write, so when putBlob /
 *     append resolve the data is on disk. This is what DESIGN.md's durability promise needs; it costs
 *     an fsync per command (bodies are written in 256 KB chunks, so about one fsync per chunk).
 *   - `appendfsync everysec`: at most about one second of acknowledged writes (bodies, new UIDs, flag
 *     changes) can be lost on a power failure or kernel crash (a Redis process crash alone loses
 *     nothing, the data is in the page cache). Acceptable only if losing a second of accepted mail is.
 *   - `appendfsync no`: the kernel decides; tens of seconds may be lost. Not for mail.
 *   - `maxmemory-policy noeviction`: any eviction policy would silently drop mail. All data lives in
 *     memory, so size the server for the mail store (bodies included) or use another adapter.
 *   - Replicas are asynchronous: a failover can lose the last acknowledged writes.
 * Redis Cluster is not supported: the scripts compute key names from the prefix instead of
 * receiving them in KEYS.
 */
import type { Storage } from '../../core/ports/storage.js';
import { parseStorageUrl } from './connection-url.js';
import { RedisStorage } from './storage.js';

export { RedisStorage } from './storage.js';

export function createStorage(url: string): Storage {
  return new RedisStorage(parseStorageUrl(url));
}
