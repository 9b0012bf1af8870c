import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AdminServiceToken,
  DeliveryQueueToken,
  FrozenQueueToken,
  RetryScheduleToken,
  definePlugin,
  type DeliveryQueue,
  type FrozenQueue,
  Kernel,
  type RetrySchedule,
} from '../../core/index.js';
import { Redis } from 'ioredis';
import { mailwrightConfigSchema } from '../../core/config/schema.js';
import {
  redisOptionsFromUrl,
  startRedisServer,
  type RedisProcess,
} from '../../core/runtime/redis-process.js';
import queuePlugin from '../../plugins/queue/index.js';
import ctrlPlugin from '../../plugins/xmail-ctrl/index.js';
import { CtrlClient } from '../helpers/ctrl-client.js';
import { quietLogger } from '../helpers/logger.js';
import { startTestKernel } from '../helpers/test-kernel.js';

/**
 * The queue plugin registers its services in register(), before any plugin starts: a plugin that
 * starts before it (no dependsOn) resolves them in its start, and xmail-ctrl, started before it
 * too, reaches the frozen messages over the wire.
 */
describe('queue services registered before any plugin starts', () => {
  let dir: string;
  let redis: RedisProcess;
  let kernel: Kernel;
  let ctrlPort: number;
  const seen: { delivery?: DeliveryQueue; frozen?: FrozenQueue; retry?: RetrySchedule } = {};

  const probe = definePlugin({
    name: 'probe',
    version: '1.0.0',
    start(ctx) {
      seen.delivery = ctx.container.resolve(DeliveryQueueToken);
      seen.frozen = ctx.container.resolve(FrozenQueueToken);
      seen.retry = ctx.container.resolve(RetryScheduleToken);
    },
  });

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'mw-queue-services-'));
    redis = await startRedisServer({ dir });
    const started = await startTestKernel(
      {
        storage: `file:${path.join(dir, 'mail')}`,
        redis: { url: redis.url },
        plugins: { queue: { prefix: 'queue-services' }, 'xmail-ctrl': {} },
        listen: { 'xmail-ctrl': '127.0.0.1:0', 'xmail-ctrls': '127.0.0.1:0' },
      },
      dir,
      [probe, ctrlPlugin, queuePlugin],
    );
    kernel = started.kernel;
    ctrlPort = started.port('xmail-ctrl');
    await kernel.container.resolve(AdminServiceToken).add('admin', 'secret');
  });

  /** Connections the Redis server has open, this question's own excepted. */
  const clientCount = async (): Promise<number> => {
    const client = new Redis(redisOptionsFromUrl(redis.url));
    try {
      return (
        String(await client.client('LIST'))
          .trim()
          .split('\n').length - 1
      );
    } finally {
      await client.quit();
    }
  };

  after(async () => {
    await kernel?.stop();
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('lets a plugin that starts before the queue resolve its services, which work once it started', async () => {
    assert.deepEqual(kernel.pluginNames, ['probe', 'xmail-ctrl', 'queue']);
    assert.equal(seen.delivery, kernel.container.resolve(DeliveryQueueToken));
    assert.equal(seen.frozen, kernel.container.resolve(FrozenQueueToken));
    assert.equal(seen.retry, kernel.container.resolve(RetryScheduleToken));
    assert.deepEqual(await seen.frozen!.list(), []);
  });

  it('leaves no Redis connection behind when start-up fails before the queue starts', async () => {
    const failing = definePlugin({
      name: 'failing',
      version: '1.0.0',
      start() {
        throw new Error('no start today');
      },
    });
    const other = await Kernel.create({
      config: mailwrightConfigSchema.parse({
        storage: `file:${path.join(dir, 'mail')}`,
        redis: { url: redis.url },
        plugins: { queue: { prefix: 'queue-services-failed' } },
      }),
      plugins: [failing, queuePlugin],
      home: dir,
      logger: quietLogger(),
    });
    const before = await clientCount();
    await assert.rejects(other.start(), /plugin "failing" failed to start: no start today/);
    assert.equal(await clientCount(), before);
  });

  it('serves frozlist from xmail-ctrl started before the queue', async () => {
    const client = await CtrlClient.connect(ctrlPort);
    assert.match((await client.raw(`"admin"\t"${client.md5('secret')}"`))[0], /^\+00000/);
    assert.deepEqual(await client.command('frozlist'), ['+00100 OK', '.']);
    await client.command('quit');
  });
});
