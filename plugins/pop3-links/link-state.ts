import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Pop3Link } from '../../core/index.js';

/** Extends or deletes the lease only while it still holds our token. */
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export interface LinkLease {
  /** Aborted when the lease was lost (renewal failed): stop fetching, another process may start. */
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

export interface LinkSchedule {
  /** Epoch ms before which the link is not fetched (0: now). */
  nextAttempt: number;
  /** Failures in a row. */
  failures: number;
}

/** The key of a link: its four names, case-folded like the store compares them. */
export function linkId(link: Pop3Link): string {
  return [link.local.domain, link.local.name, link.remoteDomain, link.remoteUser].join('/').toLowerCase();
}

/**
 * The state of each link every worker process shares through Redis: a lease (SET NX PX, renewed
 * while the fetch runs) so that only one process fetches a link at a time, and the time of its
 * next attempt with the count of failures in a row (the back-off).
 */
export class LinkState {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly leaseMs: number,
  ) {}

  /** The lease on the link, or null when another process holds it. */
  async lease(link: Pop3Link): Promise<LinkLease | null> {
    const key = this.key(link, 'lock');
    const token = randomBytes(12).toString('hex');
    if ((await this.redis.set(key, token, 'PX', this.leaseMs, 'NX')) !== 'OK') return null;
    const lost = new AbortController();
    const timer = setInterval(() => {
      this.redis.eval(RENEW, 1, key, token, this.leaseMs).then(
        (renewed) => {
          if (renewed !== 1) lost.abort(new Error('the lease on the POP3 link was lost'));
        },
        () => undefined, // Redis unreachable for a moment: the next renewal tries again
      );
    }, this.leaseMs / 3);
    timer.unref();
    return {
      lost: lost.signal,
      release: async () => {
        clearInterval(timer);
        await this.redis.eval(RELEASE, 1, key, token);
      },
    };
  }

  async schedule(link: Pop3Link): Promise<LinkSchedule> {
    const state = await this.redis.hgetall(this.key(link, 'schedule'));
    return { nextAttempt: Number(state.next ?? 0), failures: Number(state.failures ?? 0) };
  }

  async recordSuccess(link: Pop3Link, nextAttempt: number): Promise<void> {
    await this.redis.hset(this.key(link, 'schedule'), { next: nextAttempt, failures: 0 });
  }

  /** Resolves the failures in a row, this one included. */
  async recordFailure(link: Pop3Link, backoffMs: (failures: number) => number): Promise<LinkSchedule> {
    const key = this.key(link, 'schedule');
    const failures = await this.redis.hincrby(key, 'failures', 1);
    const nextAttempt = Date.now() + backoffMs(failures);
    await this.redis.hset(key, { next: nextAttempt });
    return { nextAttempt, failures };
  }

  private key(link: Pop3Link, what: 'lock' | 'schedule'): string {
    return `${this.prefix}:pop3-links:${what}:${linkId(link)}`;
  }
}
