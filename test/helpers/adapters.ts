/**
 * Fresh, empty storages on every storage adapter, for suites that run the same tests over each
 * (the project's rule: everything works on every adapter). One `TestStorages` per test file: it
 * shares that file's private redis-server and starts one MongoDB-compatible server on first use
 * (FerretDB is slow to start); every `open` then gets its own temp dir, key prefix or database.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { redisOptionsFromUrl } from '../../core/runtime/redis-process.js';
import { dropDatabase, startMongo, withDatabase, type MongoServer } from './mongo-server.js';

export const ADAPTER_NAMES = ['file', 'redis', 'mongodb'] as const;
export type AdapterName = (typeof ADAPTER_NAMES)[number];

export interface TestStorage {
  /** The `storage` URL for the config: nobody else uses what it points at. */
  url: string;
  /** Removes the data; call it after the kernel (or storage) using `url` has stopped. */
  cleanup(): Promise<void>;
}

export interface TestStorages {
  open(adapter: AdapterName): Promise<TestStorage>;
  /** Stops the MongoDB-compatible server if `open` started one. */
  stop(): Promise<void>;
}

/** `redisUrl`: the test file's private redis-server (`startRedisServer().url`). */
export function testStorages(redisUrl: string): TestStorages {
  let mongo: Promise<MongoServer> | undefined;
  const opened: Record<AdapterName, () => Promise<TestStorage>> = {
    file: openFile,
    redis: () => Promise.resolve(openRedis(redisUrl)),
    mongodb: async () => openMongo(await (mongo ??= startMongo())),
  };
  return {
    open: (adapter) => opened[adapter](),
    async stop() {
      const server = mongo;
      mongo = undefined;
      await (await server?.catch(() => undefined))?.stop();
    },
  };
}

async function openFile(): Promise<TestStorage> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mw-storage-'));
  return { url: `file:${dir}`, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

function openRedis(redisUrl: string): TestStorage {
  const prefix = `t${randomBytes(4).toString('hex')}:`;
  const url = new URL(redisUrl);
  url.searchParams.set('prefix', prefix);
  return { url: url.toString(), cleanup: () => deleteKeys(redisUrl, prefix) };
}

/** A new, empty database on the server; cleanup drops it. */
export function openMongo(server: MongoServer): TestStorage {
  const url = withDatabase(server.uri, `mw_${randomBytes(6).toString('hex')}`);
  return { url, cleanup: () => dropDatabase(url) };
}

/** Walks one prefix's keys with SCAN (tests only: the adapter itself never scans). */
export async function deleteKeys(redisUrl: string, prefix: string): Promise<void> {
  const client = new Redis(redisOptionsFromUrl(redisUrl));
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await client.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}
