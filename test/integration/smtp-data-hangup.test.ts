/**
 * Found by the SMTP fuzzer (test/fuzz/smtp.fuzz.test.ts): a client that hangs up in the middle of
 * DATA was logged as an error and counted in mailwright_connection_errors_total, as if the server
 * had failed. It is the client's doing; the counter is for faults of ours.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startRedisServer, type RedisProcess } from '../../core/runtime/redis-process.js';
import { LineClient } from '../helpers/line-client.js';
import { waitFor } from '../helpers/queue-testbed.js';
import { startTestKernel, type TestKernel } from '../helpers/test-kernel.js';

async function metric(server: TestKernel, name: 'connectionErrors' | 'activeConnections'): Promise<number> {
  const { values } = await server.kernel.metrics[name].get();
  return values.find((value) => value.labels.protocol === 'smtp')?.value ?? 0;
}

describe('SMTP: a client that hangs up during DATA', () => {
  let dir: string;
  let redis: RedisProcess;
  let server: TestKernel;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'mw-smtp-hangup-'));
    redis = await startRedisServer({ dir });
    server = await startTestKernel(
      {
        storage: `file:${path.join(dir, 'store')}`,
        redis: { url: redis.url },
        role: 'front',
        plugins: { queue: { prefix: 'hangup' }, smtp: { reverseDns: false } },
        listen: { smtp: '127.0.0.1:0', submission: '127.0.0.1:0', smtps: '127.0.0.1:0' },
      },
      dir,
    );
  });
  after(async () => {
    await server?.kernel.stop();
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('is not counted as a connection error, and its slot is given back', async () => {
    const client = await LineClient.connect(server.port('smtp'));
    await client.smtpReply();
    assert.match(await client.smtp('EHLO client.test'), /^250 /);
    // Loopback is trusted: a remote recipient is accepted (role front: nothing is delivered).
    assert.match(await client.smtp('MAIL FROM:<a@remote.test>'), /^250 /);
    assert.match(await client.smtp('RCPT TO:<b@remote.test>'), /^250 /);
    assert.match(await client.smtp('DATA'), /^354 /);
    client.write('Subject: cut short\r\n\r\nthe first line, and then');
    await new Promise((resolve) => setTimeout(resolve, 100));
    client.close();

    await waitFor('the SMTP slot to be free', async () => (await metric(server, 'activeConnections')) === 0);
    assert.equal(await metric(server, 'connectionErrors'), 0);
  });
});
