import type { InjectionToken } from 'tsyringe';
import type { Redis } from 'ioredis';

/** The retry state of one destination host (AltaVista Domain `RetryTime` / `RetryInterval`, §2.11). */
export interface RetryState {
  /** Lower-case host (the recipient domain, or the smarthost when one is configured). */
  host: string;
  /** No connection to the host is tried before this time. */
  retryTime: Date;
  /** Added to the time of the next failed attempt to schedule the one after (ms). */
  retryIntervalMs: number;
}

export interface RetryIntervals {
  /** AltaVista SenderMinimumRetryInterval, in ms. */
  minMs: number;
  /** AltaVista SenderMaximumRetryInterval, in ms. */
  maxMs: number;
}

/**
 * On a failed connection at `now`: cur = stored interval or the minimum; RetryTime := now + cur;
 * RetryInterval := min(2·cur, max). One script, so concurrent workers in any process never lose
 * a doubling.
 */
const RECORD_FAILURE = `
local cur = tonumber(redis.call('HGET', KEYS[1], 'interval')) or tonumber(ARGV[2])
local nextTime = tonumber(ARGV[1]) + cur
local nextInterval = math.min(cur * 2, tonumber(ARGV[3]))
redis.call('HSET', KEYS[1], 'time', nextTime, 'interval', nextInterval)
redis.call('SADD', KEYS[2], ARGV[4])
return {nextTime, nextInterval}
`;

/**
 * Per-destination connection retry state, kept in Redis so that every worker process shares it
 * (AltaVista §2.11): first retry after the minimum interval, doubling on each failure up to the
 * maximum, cleared by a success. The AltaVista Domain entity reads it through `get`/`list`.
 */
export class RetrySchedule {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly intervals: RetryIntervals,
    private readonly now: () => number = Date.now,
  ) {}

  private key(host: string): string {
    return `${this.prefix}:retry:${host.toLowerCase()}`;
  }

  private get hostsKey(): string {
    return `${this.prefix}:retry-hosts`;
  }

  /** Records a failed connection to `host`; resolves with the new state. */
  async recordFailure(host: string): Promise<RetryState> {
    const name = host.toLowerCase();
    const [time, interval] = (await this.redis.eval(
      RECORD_FAILURE,
      2,
      this.key(name),
      this.hostsKey,
      this.now(),
      this.intervals.minMs,
      this.intervals.maxMs,
      name,
    )) as [number, number];
    return { host: name, retryTime: new Date(Number(time)), retryIntervalMs: Number(interval) };
  }

  /** A successful connection: the next failure starts again from the minimum. Also `Reset Domain`. */
  async reset(host: string): Promise<void> {
    const name = host.toLowerCase();
    await this.redis.multi().del(this.key(name)).srem(this.hostsKey, name).exec();
  }

  /** The host's state, or null when it has none (never failed, or succeeded since). */
  async get(host: string): Promise<RetryState | null> {
    const name = host.toLowerCase();
    const fields = await this.redis.hgetall(this.key(name));
    if (fields.time === undefined || fields.interval === undefined) return null;
    return { host: name, retryTime: new Date(Number(fields.time)), retryIntervalMs: Number(fields.interval) };
  }

  /** The time before which no connection to `host` may be tried, or null when it may be now. */
  async waiting(host: string): Promise<Date | null> {
    const state = await this.get(host);
    return state && state.retryTime.getTime() > this.now() ? state.retryTime : null;
  }

  /** Every host with retry state, sorted by name. */
  async list(): Promise<RetryState[]> {
    const hosts = (await this.redis.smembers(this.hostsKey)).sort();
    const states = await Promise.all(hosts.map((host) => this.get(host)));
    return states.filter((state): state is RetryState => state !== null);
  }
}

export const RetryScheduleToken = Symbol.for('mailwright.RetrySchedule') as InjectionToken<RetrySchedule>;
