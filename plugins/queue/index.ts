import { Queue, Worker } from 'bullmq';
import { Counter } from 'prom-client';
import {
  DeliveryExpander,
  DeliveryQueueToken,
  FrozenQueueToken,
  RetrySchedule,
  RetryScheduleToken,
  RouterToken,
  definePlugin,
  Tokens,
} from '../../core/index.js';
import { bullConnection } from './connection.js';
import { BullDeliveryQueue } from './bullmq-delivery-queue.js';
import { intervalMs, queueConfigSchema, timeoutsMs, type QueueConfig } from './config.js';
import { createDeliveryProcessor } from './delivery-worker.js';
import { BullFrozenQueue } from './frozen-queue.js';
import { FrozenRetention } from './frozen-retention.js';
import { Forwarder } from './forwarding.js';
import { DELIVERY_QUEUE_NAME, type DeliveryJobData } from './job.js';
import { MxResolver } from './mx-resolver.js';
import { queueDepthSource } from './queue-depth.js';
import { RemoteDelivery } from './remote-delivery.js';
import { Reporter } from './reports.js';
import { SmtpPool } from './smtp-pool.js';

/** Idle outbound connections are kept this long for the next message to the same host. */
const IDLE_CONNECTION_MS = 10_000;

/**
 * The delivery queue on BullMQ. Every role gets the DeliveryQueue, the FrozenQueue (admin view)
 * and the RetrySchedule services (front processes enqueue and administer); processes running the
 * worker role also deliver.
 */
export default definePlugin<QueueConfig>({
  name: 'queue',
  version: '0.2.0',
  needs: ['redis', 'storage'],
  configSchema: queueConfigSchema,
  async start(ctx) {
    const config = ctx.config;
    const redis = ctx.container.resolve(Tokens.Redis);
    const storage = ctx.container.resolve(Tokens.Storage);
    const router = ctx.container.resolve(RouterToken);
    const ms = (seconds: number): number => intervalMs(config, seconds);
    const queue = new Queue<DeliveryJobData>(DELIVERY_QUEUE_NAME, {
      prefix: config.prefix,
      connection: bullConnection(redis),
      defaultJobOptions: {
        // Only local faults count as attempts: SMTP retries are delays (see delivery-worker.ts).
        attempts: config.attempts,
        backoff: { type: 'exponential', delay: config.retryDelayMs },
        removeOnComplete: { count: 1000 },
        removeOnFail: false,
      },
    });
    await queue.waitUntilReady();
    let open = true;
    const deliveryQueue = new BullDeliveryQueue(queue, ctx.hooks, storage.blobs);
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
    const resolver = new MxResolver(config.dns, config.remotePort, timeouts.dns);
    const remote = new RemoteDelivery(resolver, pool, retry, {
      mailServerHost: config.mailServerHost,
      firewallHost: config.firewallHost,
    });
    const reporter = new Reporter(storage, deliveryQueue, router, {
      hostname: config.hostname,
      maxOriginalSize: config.reportMaxOriginalSize,
    });
    ctx.container.registerInstance(DeliveryQueueToken, deliveryQueue);
    ctx.container.registerInstance(RetryScheduleToken, retry);
    const frozenQueue = new BullFrozenQueue(queue, storage, reporter, retry, (domain) =>
      remote.destinationOf(domain),
    );
    ctx.container.registerInstance(FrozenQueueToken, frozenQueue);
    ctx.metrics.addQueueDepthSource(queueDepthSource(queue, () => open));

    let worker: Worker<DeliveryJobData> | undefined;
    let retention: FrozenRetention | undefined;
    if (ctx.runs('worker')) {
      const expired = new Counter({
        name: 'mailwright_frozen_messages_expired_total',
        help: 'Frozen messages removed with their bodies after the retention period',
        registers: [ctx.metrics.registry],
      });
      retention = new FrozenRetention(
        frozenQueue,
        redis.client(),
        {
          retentionMs: config.frozenRetention === 0 ? 0 : ms(config.frozenRetention),
          periodMs: ms(config.frozenCleanupInterval),
          claimKey: `${config.prefix}:${DELIVERY_QUEUE_NAME}:frozen-cleanup`,
        },
        ctx.logger,
        (count) => expired.inc(count),
      );
      retention.start();
      const processor = createDeliveryProcessor({
        expander: new DeliveryExpander(storage, router, {
          onCommandProblem: (problem) => ctx.logger.warn(problem, 'mail processing command problem'),
        }),
        forwarder: new Forwarder(storage.blobs, deliveryQueue, config.hostname),
        storage,
        hooks: ctx.hooks,
        metrics: ctx.metrics,
        logger: ctx.logger,
        remote,
        reporter,
        maximumHops: config.maximumHops,
        expiryMs: ms(config.messageExpiryInterval),
        minRetryMs: ms(config.minRetryInterval),
      });
      const lockDuration = config.lockDuration * 1000;
      worker = new Worker<DeliveryJobData>(DELIVERY_QUEUE_NAME, processor, {
        prefix: config.prefix,
        concurrency: config.concurrency,
        connection: bullConnection(redis, { maxRetriesPerRequest: null }),
        lockDuration,
        stalledInterval: lockDuration,
        // A job whose worker died is taken over, not frozen: it is resumed where it stopped.
        maxStalledCount: 100,
      });
      worker.on('error', (err) => ctx.logger.error({ err }, 'delivery worker error'));
      await worker.waitUntilReady();
    }
    const abort = (): void => void worker?.close(true);
    ctx.shutdownSignal.addEventListener('abort', abort);

    return async () => {
      open = false;
      ctx.shutdownSignal.removeEventListener('abort', abort);
      await retention?.stop();
      // Lets running deliveries finish (a forced close after the drain time is the abort above).
      await worker?.close();
      pool.close();
      await queue.close();
    };
  },
});
