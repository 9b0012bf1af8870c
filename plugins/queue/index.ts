import { Worker } from 'bullmq';
import { Counter } from 'prom-client';
import { DeliveryExpander, definePlugin, RouterToken, Tokens } from '../../core/index.js';
import { bullConnection } from './connection.js';
import { intervalMs, queueConfigSchema, type QueueConfig } from './config.js';
import { createDeliveryProcessor } from './delivery-worker.js';
import { FrozenRetention } from './frozen-retention.js';
import { Forwarder } from './forwarding.js';
import { DELIVERY_QUEUE_NAME, type DeliveryJobData } from './job.js';
import { queueDepthSource } from './queue-depth.js';
import { QueueServicesToken, registerQueueServices } from './services.js';

/**
 * The delivery queue on BullMQ. Every role gets the DeliveryQueue, the FrozenQueue (admin view)
 * and the RetrySchedule services (front processes enqueue and administer), registered before any
 * plugin starts; processes running the worker role also deliver.
 */
export default definePlugin<QueueConfig>({
  name: 'queue',
  version: '0.2.0',
  needs: ['redis', 'storage'],
  configSchema: queueConfigSchema,
  register: registerQueueServices,
  async start(ctx) {
    const config = ctx.config;
    const redis = ctx.container.resolve(Tokens.Redis);
    const storage = ctx.container.resolve(Tokens.Storage);
    const router = ctx.container.resolve(RouterToken);
    const { queue, deliveryQueue, frozenQueue, pool, remote, reporter } =
      ctx.container.resolve(QueueServicesToken);
    const ms = (seconds: number): number => intervalMs(config, seconds);
    await queue.waitUntilReady();
    let open = true;
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
        maximumHops: ctx.container.resolve(Tokens.ServerSettings).maximumHops,
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
