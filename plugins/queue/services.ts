import { Queue } from 'bullmq';
import type { DependencyContainer, InjectionToken } from 'tsyringe';
import {
  DeliveryQueueToken,
  FrozenQueueToken,
  RetrySchedule,
  RetryScheduleToken,
  RouterToken,
  Tokens,
} from '../../core/index.js';
import { BullDeliveryQueue } from './bullmq-delivery-queue.js';
import { intervalMs, timeoutsMs, type QueueConfig } from './config.js';
import { BullFrozenQueue } from './frozen-queue.js';
import { DELIVERY_QUEUE_NAME, type DeliveryJobData } from './job.js';
import { MxResolver } from './mx-resolver.js';
import { RemoteDelivery } from './remote-delivery.js';
import { Reporter } from './reports.js';
import { SmtpPool } from './smtp-pool.js';

/** Idle outbound connections are kept this long for the next message to the same host. */
const IDLE_CONNECTION_MS = 10_000;

/** What the queue plugin builds in `register` and its start runs on (the services it offers among them). */
export interface QueueServices {
  queue: Queue<DeliveryJobData>;
  deliveryQueue: BullDeliveryQueue;
  frozenQueue: BullFrozenQueue;
  pool: SmtpPool;
  remote: RemoteDelivery;
  reporter: Reporter;
}

/**
 * The plugin's own handle on what it registered, per kernel (a container is one kernel's), for its
 * start. Not `Symbol.for`: nothing outside this plugin resolves it.
 */
export const QueueServicesToken = Symbol('mailwright.queue.services') as InjectionToken<QueueServices>;

/**
 * Builds the queue's services over the kernel's Redis and storage and registers DeliveryQueue,
 * FrozenQueue and RetrySchedule. The only connections opened are Redis clients of the kernel's
 * RedisService (BullMQ shares them and does not close them), so they are closed with the kernel
 * even when its start-up fails before this plugin starts.
 */
export function registerQueueServices(container: DependencyContainer, config: QueueConfig): void {
  const redis = container.resolve(Tokens.Redis);
  const storage = container.resolve(Tokens.Storage);
  const router = container.resolve(RouterToken);
  const ms = (seconds: number): number => intervalMs(config, seconds);
  const queue = new Queue<DeliveryJobData>(DELIVERY_QUEUE_NAME, {
    prefix: config.prefix,
    connection: redis.client(),
    defaultJobOptions: {
      // Only local faults count as attempts: SMTP retries are delays (see delivery-worker.ts).
      attempts: config.attempts,
      backoff: { type: 'exponential', delay: config.retryDelayMs },
      removeOnComplete: { count: 1000 },
      removeOnFail: false,
    },
  });
  const deliveryQueue = new BullDeliveryQueue(queue, container.resolve(Tokens.Hooks), storage.blobs);
  const retry = new RetrySchedule(redis.client(), config.prefix, {
    minMs: ms(config.minRetryInterval),
    maxMs: ms(config.maxRetryInterval),
  });
  const timeouts = timeoutsMs(config);
  const pool = new SmtpPool({
    name: config.hostname,
    timeouts,
    maxPerTarget: config.maxConnectionsPerHost,
    idleMs: IDLE_CONNECTION_MS,
  });
  const remote = new RemoteDelivery(
    new MxResolver(config.dns, config.remotePort, timeouts.dns),
    pool,
    retry,
    { mailServerHost: config.mailServerHost, firewallHost: config.firewallHost },
  );
  const reporter = new Reporter(storage, deliveryQueue, router, {
    hostname: config.hostname,
    maxOriginalSize: config.reportMaxOriginalSize,
  });
  const frozenQueue = new BullFrozenQueue(queue, storage, reporter, retry, (domain) =>
    remote.destinationOf(domain),
  );
  container.registerInstance(DeliveryQueueToken, deliveryQueue);
  container.registerInstance(RetryScheduleToken, retry);
  container.registerInstance(FrozenQueueToken, frozenQueue);
  container.registerInstance(QueueServicesToken, {
    queue,
    deliveryQueue,
    frozenQueue,
    pool,
    remote,
    reporter,
  });
}
