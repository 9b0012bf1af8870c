import { Redis } from 'ioredis';
import type { Storage } from '../../core/ports/storage.js';
import { RedisAccountStore } from './account-store.js';
import { RedisAdminStore } from './admin-store.js';
import { RedisBlobStore } from './blob-store.js';
import type { RedisStorageTarget } from './connection-url.js';
import { RedisContext } from './context.js';
import { RedisDomainStore } from './domain-store.js';
import { RedisEventLog } from './event-log.js';
import { RedisFileTree } from './file-tree.js';
import { RedisMailStore } from './mail-store.js';
import { RedisPop3LinkStore } from './pop3-link-store.js';
import { RedisRouteStore } from './route-store.js';
import { Scripts } from './scripts.js';

export class RedisStorage implements Storage {
  readonly kind = 'redis';
  readonly domains: RedisDomainStore;
  readonly accounts: RedisAccountStore;
  readonly routes: RedisRouteStore;
  readonly pop3Links: RedisPop3LinkStore;
  readonly admins: RedisAdminStore;
  readonly blobs: RedisBlobStore;
  readonly mail: RedisMailStore;
  readonly files: RedisFileTree;
  readonly events: RedisEventLog;
  private readonly redis: Redis;

  constructor(target: RedisStorageTarget) {
    this.redis = new Redis(target.connection, { ...target.options, lazyConnect: true });
    const ctx = new RedisContext(this.redis, new Scripts(this.redis, target.prefix), target.prefix);
    this.domains = new RedisDomainStore(ctx);
    this.accounts = new RedisAccountStore(ctx);
    this.routes = new RedisRouteStore(ctx);
    this.pop3Links = new RedisPop3LinkStore(ctx);
    this.admins = new RedisAdminStore(ctx);
    this.blobs = new RedisBlobStore(ctx);
    this.mail = new RedisMailStore(ctx);
    this.files = new RedisFileTree(ctx);
    this.events = new RedisEventLog(ctx);
  }

  /** Connects; Redis needs no schema. Idempotent. */
  async open(): Promise<void> {
    if (this.redis.status === 'wait') await this.redis.connect();
    await this.redis.ping();
  }

  async close(): Promise<void> {
    if (this.redis.status === 'end') return;
    if (this.redis.status === 'wait') {
      this.redis.disconnect();
      return;
    }
    await this.redis.quit();
  }
}
