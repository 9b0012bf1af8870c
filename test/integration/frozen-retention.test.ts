/**
 * Frozen messages (failed for good) are not kept forever: after `frozenRetention` one process of
 * the cluster removes them with their bodies, reports to the sender on recipients not yet reported,
 * and counts them in /metrics. Real SMTP in and out, on every storage adapter.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { FrozenQueueToken, type FrozenQueue } from '../../core/index.js';
import { ADAPTER_NAMES, type AdapterName, type TestStorage } from '../helpers/adapters.js';
import { useAdapterInfra } from '../helpers/adapter-infra.js';
import { startQueueTestbed, waitFor, type QueueTestbed } from '../helpers/queue-testbed.js';
import { redisOptionsFromUrl } from '../../core/runtime/redis-process.js';

const infra = useAdapterInfra('frozen-retention');

for (const adapter of ADAPTER_NAMES) describeRetention(adapter);

function describeRetention(adapter: AdapterName): void {
  describe(`frozen message retention on the ${adapter} storage adapter`, () => {
    let bed: QueueTestbed;
    let testStorage: TestStorage;
    let frozen: FrozenQueue;
    const prefix = `frozen-retention-${adapter}`;

    before(async () => {
      testStorage = await infra().storages.open(adapter);
      bed = await startQueueTestbed(
        prefix,
        { messageExpiryInterval: 60, minRetryInterval: 30, frozenRetention: 1.5, frozenCleanupInterval: 0.2 },
        { storage: testStorage.url, redis: infra().redis },
      );
      frozen = bed.kernel.container.resolve(FrozenQueueToken);
    });
    after(async () => {
      await bed?.close();
      await testStorage?.cleanup();
    });

    it('removes a frozen message and its body once the retention period has passed, and counts it', async () => {
      bed.up.refuse = (address) => address === 'gone@remote.test';
      await bed.send('alice@example.org', ['gone@remote.test'], 'Subject: kept for a while\r\n\r\nbody\r\n');
      const row = await waitFor('the frozen message', async () =>
        (await frozen.list()).find((m) => m.rcpt === 'gone@remote.test'),
      );
      const queue = new Queue('delivery', { prefix, connection: redisOptionsFromUrl(infra().redis.url) });
      const blobId = ((await queue.getJob(row.id))?.data as { blobId: string }).blobId;
      await queue.close();
      assert.ok(await bed.storage.blobs.statBlob(blobId), 'the body is kept while the message is frozen');
      assert.ok(await frozen.message(row), 'readable while frozen');

      // The job goes first, then its body reference (a crash in between leaks a body, loses nothing).
      await waitFor(
        'the retention sweep',
        async () => (await bed.storage.blobs.statBlob(blobId)) === null,
        20_000,
      );
      assert.ok(!(await frozen.list()).some((m) => m.id === row.id), 'no longer listed');
      assert.equal(await frozen.message(row), null);
      await waitFor('the count in /metrics', async () =>
        /^mailwright_frozen_messages_expired_total 1$/m.test(await bed.kernel.metrics.registry.metrics()),
      );
      // The failure was reported when it happened: no second report for the removal.
      const reports = (await bed.inbox('alice')).filter((m) => m.toString().includes('gone@remote.test'));
      assert.equal(reports.length, 1);
      assert.doesNotMatch(reports[0].toString(), /retention period/);
    });
  });
}
