import { before, after } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startRedisServer, type RedisProcess } from '../../core/runtime/redis-process.js';
import { testStorages, type TestStorages } from './adapters.js';

export interface AdapterInfra {
  /** The file's private redis-server: the queue's, and the redis adapter's (under its own prefix). */
  redis: RedisProcess;
  storages: TestStorages;
}

/**
 * For a test file that runs its suites over every storage adapter: registers file-level hooks that
 * start one redis-server (and, on first use, one MongoDB-compatible server) before the suites and
 * stop them after. Call it at the top level; the getter is valid inside the suites' hooks and tests.
 */
export function useAdapterInfra(name: string): () => AdapterInfra {
  let dir: string | undefined;
  let infra: AdapterInfra | undefined;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), `mw-${name}-redis-`));
    const redis = await startRedisServer({ dir });
    infra = { redis, storages: testStorages(redis.url) };
  });
  after(async () => {
    await infra?.storages.stop();
    await infra?.redis.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return () => {
    if (!infra) throw new Error('useAdapterInfra: used outside the test run');
    return infra;
  };
}
