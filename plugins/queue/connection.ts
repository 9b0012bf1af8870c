import type { ConnectionOptions } from 'bullmq';
import type { RedisService } from '../../core/index.js';

/**
 * The kernel's Redis as BullMQ connection options. BullMQ opens (and closes) its own connections
 * from them. ioredis 6 types `retryStrategy` as possibly null where BullMQ's copy of the type does
 * not; RedisService sets none, so it is left out.
 */
export function bullConnection(
  redis: RedisService,
  extra: { maxRetriesPerRequest?: null } = {},
): ConnectionOptions {
  const { retryStrategy: _none, ...options } = redis.options(extra);
  return options;
}
