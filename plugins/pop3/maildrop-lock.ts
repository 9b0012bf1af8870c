import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { AccountKey } from '../../core/index.js';

const PREFIX = 'mw:pop3:lock:';
/** A lock whose holder stopped renewing (a crashed process) frees itself after this. */
const LEASE_MS = 30_000;
const RENEW_EVERY_MS = 10_000;

/** Extends or deletes the lease only while it still holds our token. */
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export interface HeldLock {
  release(): Promise<void>;
}

/**
 * The exclusive-access lock of RFC 1939 §8 on a maildrop, shared by every process through Redis:
 * a lease (SET NX PX) renewed while the session lives, so a crashed process's lock lapses on its
 * own instead of locking the user out.
 */
export async function lockMaildrop(
  redis: Redis,
  account: AccountKey,
  onLost: () => void,
): Promise<HeldLock | null> {
  const key = `${PREFIX}${account.name.toLowerCase()}@${account.domain}`;
  const token = randomBytes(12).toString('hex');
  if ((await redis.set(key, token, 'PX', LEASE_MS, 'NX')) !== 'OK') return null;
  const timer = setInterval(() => {
    redis.eval(RENEW, 1, key, token, LEASE_MS).then(
      (renewed) => {
        if (renewed !== 1) onLost();
      },
      () => undefined, // Redis unreachable for a moment: the next renewal tries again
    );
  }, RENEW_EVERY_MS);
  timer.unref();
  return {
    async release() {
      clearInterval(timer);
      await redis.eval(RELEASE, 1, key, token);
    },
  };
}
