/**
 * The kernel's MailboxEvents: listeners of this process in a SubscriberTable, events of the other
 * processes from one Redis pattern subscription (wire-format.ts), events of this process told to
 * its own listeners directly and published for the others.
 *
 * Per process: two Redis connections (one subscribed, one publishing) whatever the number of
 * listeners. Without Redis (no plugin of the kernel needs it) the events stay in the process.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Counter, Gauge } from 'prom-client';
import type { AccountKey } from '../model/directory.js';
import type { Metrics } from '../runtime/metrics.js';
import type { RedisService } from '../runtime/redis.js';
import type { MailboxEvent, MailboxEventListener, MailboxEvents } from './mailbox-event.js';
import { SubscriberTable } from './subscriber-table.js';
import { CHANNEL_PATTERN, accountIdOfChannel, channelOf, decodeEvent, encodeEvent } from './wire-format.js';

export interface MailboxEventBusOptions {
  /** The installation's Redis; without it events reach only this process's listeners. */
  redis?: RedisService;
  logger: Logger;
  /** Where the bus's counters go (`mailwright_mailbox_events_*`). */
  metrics?: Metrics;
}

/** A failure logged at most this often (a Redis outage fails every publish); the others are counted. */
const FAILURE_LOG_INTERVAL_MS = 10_000;

export class MailboxEventBus implements MailboxEvents {
  /** Tells this bus's own messages apart when Redis hands them back. */
  private readonly origin = randomBytes(8).toString('hex');
  private readonly table: SubscriberTable;
  private closed = false;
  private publishedCount = 0;
  private failureCount = 0;
  /** When each kind of failure was last logged. */
  private readonly lastLogged = { publish: 0, connection: 0 };
  private readonly counters: { published: Counter; failures: Counter } | undefined;

  private constructor(
    private readonly logger: Logger,
    private readonly publisher: Redis | undefined,
    private readonly subscriber: Redis | undefined,
    metrics: Metrics | undefined,
  ) {
    this.table = new SubscriberTable((err) => this.logger.warn({ err }, 'a mailbox event listener failed'));
    if (metrics) this.counters = this.registerMetrics(metrics);
  }

  /** Resolves once the Redis subscription is in place: from then on, subscribe() misses nothing. */
  static async open(options: MailboxEventBusOptions): Promise<MailboxEventBus> {
    const logger = options.logger.child({ component: 'mailbox-events' });
    const { redis } = options;
    // Publishing may queue while the connection is (re)established, but never for long: a command
    // is failed after one unsuccessful reconnection (counted, and the event lost: it is a hint).
    const publisher = redis?.client({ maxRetriesPerRequest: 1 });
    const subscriber = redis?.client();
    const bus = new MailboxEventBus(logger, publisher, subscriber, options.metrics);
    publisher?.on('error', (err) => bus.redisFailed('publishing connection', err));
    if (subscriber) {
      subscriber.on('error', (err) => bus.redisFailed('subscribed connection', err));
      subscriber.on('pmessage', (_pattern, channel, message) => bus.received(channel, message));
      // ioredis subscribes again by itself after a reconnection; events published in between are lost.
      await subscriber.psubscribe(CHANNEL_PATTERN);
    }
    return bus;
  }

  subscribe(account: AccountKey, listener: MailboxEventListener): () => void {
    if (this.closed) return () => {};
    return this.table.add(account, listener);
  }

  publish(event: MailboxEvent): void {
    if (this.closed) return;
    const frozen = freezeEvent(event);
    queueMicrotask(() => this.table.dispatch(frozen));
    if (!this.publisher) return;
    this.publishedCount++;
    this.counters?.published.inc();
    this.publisher
      .publish(channelOf(frozen), encodeEvent(frozen, this.origin))
      .catch((err: unknown) => this.publishFailed(frozen, err));
  }

  /** For tests and metrics: subscriptions and subscribed accounts in this process, publishes and failures. */
  get stats(): { subscriptions: number; accounts: number; published: number; publishFailures: number } {
    return {
      subscriptions: this.table.size,
      accounts: this.table.accounts,
      published: this.publishedCount,
      publishFailures: this.failureCount,
    };
  }

  /**
   * Drops every listener and closes the two connections: the subscribed one at once, the publishing
   * one after the publishes already sent (at once too while Redis is unreachable: nothing to flush).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.table.clear();
    this.subscriber?.disconnect();
    const publisher = this.publisher;
    if (publisher?.status === 'ready') await publisher.quit().catch(() => publisher.disconnect());
    else publisher?.disconnect();
  }

  private received(channel: string, message: string): void {
    if (this.closed) return;
    const id = accountIdOfChannel(channel);
    // Every process hears every account's events: most are dropped here, unparsed.
    if (id === null || !this.table.has(id)) return;
    const decoded = decodeEvent(message);
    if (!decoded) {
      this.logger.debug({ channel }, 'ignored a message that is not a mailbox event');
      return;
    }
    if (decoded.origin === this.origin) return;
    this.table.dispatch(freezeEvent(decoded.event));
  }

  private publishFailed(event: MailboxEvent, err: unknown): void {
    this.failureCount++;
    this.counters?.failures.inc();
    if (!this.shouldLog('publish')) return;
    this.logger.warn(
      { err, account: event.account, path: event.path, kind: event.kind, failures: this.failureCount },
      'could not publish a mailbox event (the change itself is stored; other processes see it late)',
    );
  }

  private redisFailed(connection: string, err: unknown): void {
    if (this.closed || !this.shouldLog('connection')) return;
    this.logger.warn({ err, connection }, 'mailbox events: Redis connection failed; retrying');
  }

  private shouldLog(failure: 'publish' | 'connection'): boolean {
    const now = Date.now();
    if (now - this.lastLogged[failure] < FAILURE_LOG_INTERVAL_MS) return false;
    this.lastLogged[failure] = now;
    return true;
  }

  private registerMetrics(metrics: Metrics): { published: Counter; failures: Counter } {
    const table = this.table;
    new Gauge({
      name: 'mailwright_mailbox_event_subscriptions',
      help: 'Mailbox event listeners in this process (IMAP sessions, plugins)',
      registers: [metrics.registry],
      collect() {
        this.set(table.size);
      },
    });
    return {
      published: new Counter({
        name: 'mailwright_mailbox_events_published_total',
        help: 'Mailbox change events published to Redis',
        registers: [metrics.registry],
      }),
      failures: new Counter({
        name: 'mailwright_mailbox_events_publish_failures_total',
        help: 'Mailbox change events that could not be published to Redis (the changes themselves are stored)',
        registers: [metrics.registry],
      }),
    };
  }
}

/** A copy no listener can change under the others. */
function freezeEvent(event: MailboxEvent): MailboxEvent {
  const { account, path, kind, highestModseq, uidNext } = event;
  const copy: MailboxEvent = {
    account: Object.freeze({ domain: account.domain, name: account.name }),
    path,
    kind,
  };
  if (highestModseq !== undefined) copy.highestModseq = highestModseq;
  if (uidNext !== undefined) copy.uidNext = uidNext;
  return Object.freeze(copy);
}
