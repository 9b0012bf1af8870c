import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomFillSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Storage } from '../../core/ports/index.js';
import { startRedisServer, type RedisProcess } from '../../core/runtime/redis-process.js';
import { createStorage } from '../../storage-adapters/redis/index.js';
import { Redis } from 'ioredis';
import { redisOptionsFromUrl } from '../../core/runtime/redis-process.js';
import { deleteKeys } from '../helpers/adapters.js';
import { describeStorageContract } from './storage-contract.js';

/**
 * The storage contract on a private redis-server. One server for the file; every open() gets its
 * own key prefix on it, and cleanup deletes that prefix's keys. The server listens on a loopback
 * port as well, because the cross-process UID test hands the URL to uid-writer, which picks the
 * adapter by URL scheme and knows `redis:` only.
 */
let dir = '';
let server: RedisProcess | undefined;
let latestUrl = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mw-redis-contract-'));
  server = await startRedisServer({ dir, port: await freePort() });
});
after(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

describeStorageContract(
  'redis',
  async () => {
    if (!server) throw new Error('redis-server not started');
    const prefix = `t${randomBytes(4).toString('hex')}:`;
    const url = `${server.url}/0?prefix=${prefix}`;
    latestUrl = url;
    return {
      storage: createStorage(url),
      cleanup: () => deleteKeys(url, prefix),
      storedBytes: () => keyBytes(url, prefix),
    };
  },
  { childProcessUrl: () => latestUrl },
);

/** The memory Redis reports for the prefix's keys (MEMORY USAGE, every element counted). */
async function keyBytes(url: string, prefix: string): Promise<number> {
  const client = new Redis(redisOptionsFromUrl(url));
  try {
    let bytes = 0;
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      for (const key of keys) bytes += Number(await client.memory('USAGE', key, 'SAMPLES', 0)) || 0;
      cursor = next;
    } while (cursor !== '0');
    return bytes;
  } finally {
    client.disconnect();
  }
}

describe('redis adapter: acknowledged mail survives a SIGKILL of redis-server (appendfsync always)', () => {
  let dataDir = '';
  let redis: RedisProcess | undefined;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mw-redis-durable-'));
  });
  after(async () => {
    await redis?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it(
    'finds every acknowledged message with identical bytes after a restart',
    { timeout: 60_000 },
    async () => {
      redis = await startRedisServer({ dir: dataDir, appendOnly: true });
      const url = `${redis.url}?prefix=dur:`;
      const key = { domain: 'durable.test', name: 'alice' };
      const bodies = new Map<number, Buffer>();
      let storage: Storage = createStorage(url);
      await storage.open();
      try {
        await storage.domains.addDomain(key.domain);
        await storage.accounts.addAccount({ ...key, kind: 'user', credential: { scheme: 'none' }, vars: [] });
        // Sizes around the chunk boundary (256 KB) and a few multi-chunk bodies.
        for (const size of [
          0,
          1,
          1000,
          256 * 1024 - 1,
          256 * 1024,
          256 * 1024 + 1,
          700_000,
          30,
          5_000,
          1_300_000,
        ]) {
          const body = randomFillSync(Buffer.alloc(size));
          const blob = await storage.blobs.putBlob(
            Readable.from([body.subarray(0, size >> 1), body.subarray(size >> 1)]),
          );
          const meta = await storage.mail.append(key, 'INBOX', {
            blobId: blob.id,
            size: blob.size,
            internalDate: new Date(),
            flags: ['\\Seen'],
            mime: {
              part: '',
              contentType: 'application/octet-stream',
              params: {},
              headerStart: 0,
              bodyStart: 0,
              end: size,
              lines: 0,
            },
            envelope: { subject: `size ${size}` },
          });
          await storage.blobs.releaseBlob(blob.id);
          bodies.set(meta.uid, body); // acknowledged: append resolved
        }
      } finally {
        await storage.close();
      }

      process.kill(redis.pid, 'SIGKILL');
      await redis.stop();
      redis = await startRedisServer({ dir: dataDir, appendOnly: true });

      storage = createStorage(`${redis.url}?prefix=dur:`);
      await storage.open();
      try {
        const listed = await storage.mail.listMessages(key, 'INBOX');
        assert.deepEqual(
          listed.map((m) => m.uid),
          [...bodies.keys()],
        );
        for (const message of listed) {
          const expected = bodies.get(message.uid) as Buffer;
          assert.equal(message.size, expected.length);
          assert.deepEqual(message.flags, ['\\Seen']);
          const chunks: Buffer[] = [];
          for await (const chunk of await storage.blobs.openBlob(message.blobId))
            chunks.push(chunk as Buffer);
          assert.ok(Buffer.concat(chunks).equals(expected), `body of UID ${message.uid} is intact`);
        }
        const folder = await storage.mail.getFolder(key, 'INBOX');
        assert.equal(folder?.messages, bodies.size);
        assert.equal(folder?.uidNext, bodies.size + 1);
      } finally {
        await storage.close();
      }
    },
  );
});

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
