import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { Kernel, Tokens, type HookPayloads, type Plugin, type Storage } from '../../core/index.js';
import { directorySetup } from './directory-setup.js';
import { mailwrightConfigSchema } from '../../core/config/schema.js';
import { startRedisServer, type RedisProcess } from '../../core/runtime/redis-process.js';
import { quietLogger } from './logger.js';
import { QueueSink } from './queue-sink.js';

/**
 * Mailwright on the file storage adapter with the queue plugin and SMTP, and two sinks sharing one
 * port on two loopback addresses: `remote.test` (MX 127.0.0.1, up) and `down.test` (MX 127.0.0.2,
 * answers 421 while `down.down` is set). `loop.test` has its MX on Mailwright's own SMTP listener
 * (127.0.0.3, same port), so mail to it loops. `remotePort` points outbound SMTP at that port.
 */
export interface QueueTestbed {
  dir: string;
  redis: RedisProcess;
  kernel: Kernel;
  storage: Storage;
  up: QueueSink;
  down: QueueSink;
  port: number;
  hooks: {
    delivered: HookPayloads['delivered'][];
    bounced: HookPayloads['bounced'][];
    deferred: HookPayloads['deferred'][];
  };
  queueConfig: Record<string, unknown>;
  send(from: string, to: string[], raw: string | Buffer): Promise<string>;
  inbox(name: string): Promise<Buffer[]>;
  close(): Promise<void>;
}

export const QUEUE_TIMING = {
  minRetryInterval: 0.4,
  maxRetryInterval: 1.6,
  messageExpiryInterval: 3.5,
};

/**
 * `where`: a storage URL and a running Redis to use instead of the file storage in the bed's temp dir
 * and a redis-server of its own (suites that run over every adapter share one Redis per file), and
 * SMTP settings added to the bed's; the server's hop limit is 4 unless `maximumHops` says otherwise.
 */
export async function startQueueTestbed(
  name: string,
  extraQueueConfig: Record<string, unknown> = {},
  where: {
    storage?: string;
    redis?: RedisProcess;
    smtp?: Record<string, unknown>;
    maximumHops?: number;
  } = {},
): Promise<QueueTestbed> {
  const dir = await mkdtemp(path.join(tmpdir(), `mw-${name}-`));
  const redis = where.redis ?? (await startRedisServer({ dir }));
  const up = new QueueSink();
  const down = new QueueSink();
  const port = await up.listen('127.0.0.1');
  await down.listen('127.0.0.2', port);
  const hooks: QueueTestbed['hooks'] = { delivered: [], bounced: [], deferred: [] };
  const observer: Plugin = {
    name: 'test-queue-observer',
    version: '0.0.0',
    start(ctx) {
      ctx.hooks.on(
        'delivered',
        'test-queue-observer',
        (event) => (hooks.delivered.push(event), { action: 'pass' }),
      );
      ctx.hooks.on(
        'bounced',
        'test-queue-observer',
        (event) => (hooks.bounced.push(event), { action: 'pass' }),
      );
      ctx.hooks.on(
        'deferred',
        'test-queue-observer',
        (event) => (hooks.deferred.push(event), { action: 'pass' }),
      );
    },
  };
  const queueConfig = {
    prefix: name,
    hostname: 'mx.example.org',
    ...QUEUE_TIMING,
    remotePort: port,
    lockDuration: 2,
    dns: {
      mx: {
        'remote.test': [{ exchange: '127.0.0.1', priority: 10 }],
        'down.test': [{ exchange: 'mx.down.test', priority: 10 }],
        'loop.test': [{ exchange: '127.0.0.3', priority: 10 }],
      },
      a: { 'mx.down.test': ['127.0.0.2'] },
    },
    ...extraQueueConfig,
  };
  const config = mailwrightConfigSchema.parse({
    storage: where.storage ?? `file:${path.join(dir, 'mail')}`,
    redis: { url: redis.url },
    maximumHops: where.maximumHops ?? 4,
    plugins: { queue: queueConfig, smtp: { hostname: 'mx.example.org', reverseDns: false, ...where.smtp } },
    listen: { smtp: `127.0.0.3:${port}`, submission: '127.0.0.1:0', smtps: '127.0.0.1:0' },
  });
  const kernel = await Kernel.create({ config, plugins: [observer], home: dir, logger: quietLogger() });
  await kernel.start();
  const storage = kernel.container.resolve(Tokens.Storage);
  const directory = directorySetup(kernel.container);
  await directory.addDomain('example.org');
  await directory.addUser('alice@example.org', 'alice password');

  const send = async (from: string, to: string[], raw: string | Buffer): Promise<string> => {
    const transport = nodemailer.createTransport({ host: '127.0.0.3', port, ignoreTLS: true });
    const info = await transport.sendMail({ envelope: { from, to }, raw });
    transport.close();
    return info.response;
  };
  const inbox = async (account: string): Promise<Buffer[]> => {
    const owner = { domain: 'example.org', name: account };
    const messages = await storage.mail.listMessages(owner, 'INBOX');
    return Promise.all(
      messages.map(async (message) => {
        const chunks: Buffer[] = [];
        for await (const chunk of await storage.blobs.openBlob(message.blobId)) chunks.push(chunk as Buffer);
        return Buffer.concat(chunks);
      }),
    );
  };
  return {
    dir,
    redis,
    kernel,
    storage,
    up,
    down,
    port,
    hooks,
    queueConfig,
    send,
    inbox,
    close: async () => {
      await kernel.stop();
      await Promise.all([up.close(), down.close()]);
      if (!where.redis) await redis.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
