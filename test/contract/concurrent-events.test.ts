/**
 * Events appended at once to a fresh log (the first failed logins of a break-in attempt, all at
 * the same moment) are all stored, with distinct ids, on every storage adapter.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Storage } from '../../core/ports/index.js';
import { createStorage as fileStorage } from '../../storage-adapters/file/index.js';
import { createStorage as mongoStorage } from '../../storage-adapters/mongodb/index.js';
import { createStorage as redisStorage } from '../../storage-adapters/redis/index.js';
import { useAdapterInfra } from '../helpers/adapter-infra.js';
import { ADAPTER_NAMES } from '../helpers/adapters.js';

const CREATE: Record<(typeof ADAPTER_NAMES)[number], (url: string) => Storage> = {
  file: fileStorage,
  redis: redisStorage,
  mongodb: mongoStorage,
};

const infra = useAdapterInfra('events');

for (const adapter of ADAPTER_NAMES) {
  describe(`concurrent events on the ${adapter} storage adapter`, () => {
    it('stores 20 events appended at once to an empty log (five fresh logs)', async () => {
      // The race is between the first writers of a log: each round starts from an empty one.
      for (let round = 0; round < 5; round++) await appendAtOnce(adapter, 20);
    });
  });
}

async function appendAtOnce(adapter: (typeof ADAPTER_NAMES)[number], count: number): Promise<void> {
  const testStorage = await infra().storages.open(adapter);
  const storage = CREATE[adapter](testStorage.url);
  await storage.open();
  try {
    const appended = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        storage.events.appendEvent({
          log: 'Security',
          type: 'LoginFailure',
          text: 'login failed',
          params: { N: String(i) },
        }),
      ),
    );
    assert.equal(new Set(appended.map((event) => event.id)).size, count);
    const stored = await storage.events.readEvents('Security', new Date(0));
    assert.deepEqual(
      stored.map((event) => Number(event.params.N)).sort((a, b) => a - b),
      Array.from({ length: count }, (_, i) => i),
    );
  } finally {
    await storage.close();
    await testStorage.cleanup();
  }
}
