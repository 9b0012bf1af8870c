import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { RetryScheduleToken } from '../../core/index.js';
import { ADAPTER_NAMES, type AdapterName, type TestStorage } from '../helpers/adapters.js';
import { useAdapterInfra } from '../helpers/adapter-infra.js';
import { QUEUE_TIMING, startQueueTestbed, waitFor, type QueueTestbed } from '../helpers/queue-testbed.js';

const message = (subject: string, extra = ''): string =>
  `From: alice@example.org\r\nTo: someone@remote.test\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '-')}@example.org>\r\n${extra}\r\nHello from the remote delivery test.\r\n`;

const infra = useAdapterInfra('remote-delivery');

for (const adapter of ADAPTER_NAMES) describeRemoteDelivery(adapter);

function describeRemoteDelivery(adapter: AdapterName): void {
  describe(`remote delivery on the ${adapter} storage adapter: MX, SMTP client, retry schedule, expiry, hop limit`, () => {
    let bed: QueueTestbed;
    let testStorage: TestStorage;

    before(async () => {
      testStorage = await infra().storages.open(adapter);
      bed = await startQueueTestbed(
        `remote-delivery-${adapter}`,
        {},
        {
          storage: testStorage.url,
          redis: infra().redis,
        },
      );
    });
    after(async () => {
      await bed?.close();
      await testStorage?.cleanup();
    });

    it('delivers to the MX host over opportunistic STARTTLS with the bytes as accepted', async () => {
      const raw = message('first remote');
      const reply = await bed.send('alice@example.org', ['bob@remote.test', 'carol@remote.test'], raw);
      assert.match(reply, /^250 /);
      const got = await waitFor('the sink to receive it', () =>
        bed.up.messages.find((m) => m.data.toString().includes('Subject: first remote')),
      );
      assert.equal(got.mailFrom, 'alice@example.org');
      assert.deepEqual(
        got.rcptTo,
        ['bob@remote.test', 'carol@remote.test'],
        'one transaction for the domain',
      );
      assert.equal(got.secure, true, 'STARTTLS was used');
      assert.equal(got.heloName, 'mx.example.org');
      const text = got.data.toString('utf8');
      assert.ok(text.endsWith(raw), 'the body follows our trace header byte for byte');
      assert.match(text, /^Received: from \S+ \(\[127\.0\.0\.1\]\)\r\n\tby mx\.example\.org \(Mailwright\)/);
      assert.doesNotMatch(text, /^Return-Path:/m, 'no Return-Path on mail that leaves');
      await waitFor(
        'delivered hooks',
        () => bed.hooks.delivered.filter((e) => e.destination === 'smtp:127.0.0.1').length >= 2,
      );
      assert.equal(
        bed.up.messages.filter((m) => m.data.toString().includes('Subject: first remote')).length,
        1,
      );
    });

    it('retries a down destination at the doubling schedule, then expires it with a DSN to the sender', async () => {
      bed.down.down = true;
      const start = Date.now();
      await bed.send('alice@example.org', ['dave@down.test'], message('to a host that is down'));
      const retry = bed.kernel.container.resolve(RetryScheduleToken);
      const state = await waitFor('retry state of down.test', () => retry.get('down.test'));
      assert.ok(state.retryTime.getTime() > start, 'RetryTime is in the future after the first failure');

      const dsn = await waitFor(
        'the expiry report in the sender mailbox',
        async () => (await bed.inbox('alice')).find((m) => m.toString().includes('dave@down.test')),
        15_000,
      );
      const attempts = bed.down.connections.map((t) => t - bed.down.connections[0]);
      // min 0.4 s, doubling, max 1.6 s, expiry 3.5 s: connections at 0, 0.4, 1.2, 2.8 s. On a busy
      // machine the tries drift later, and a fourth one due after the expiry time is not made: the
      // message expires instead (the worker never schedules past the expiry). The gaps and the
      // capped interval below still check the schedule.
      assert.ok(attempts.length === 3 || attempts.length === 4, `connection times ${attempts.join(', ')}`);
      const gaps = attempts.slice(1).map((t, i) => t - attempts[i]);
      const expected = [400, 800, 1600];
      gaps.forEach((gap, i) => {
        assert.ok(
          gap >= expected[i] - 20 && gap < expected[i] + 400,
          `gap ${i}: ${gap} ms, expected ${expected[i]}`,
        );
      });
      const after = await retry.get('down.test');
      assert.equal(
        after?.retryIntervalMs,
        QUEUE_TIMING.maxRetryInterval * 1000,
        'the interval is capped at the maximum',
      );

      const text = dsn.toString('utf8');
      assert.match(text, /^Return-Path: <>\r\n/);
      assert.match(text, /^Content-Type: multipart\/report; report-type=delivery-status;/m);
      assert.match(text, /^Subject: Undeliverable mail\r$/m);
      assert.match(text, /^Final-Recipient: rfc822; dave@down\.test\r$/m);
      assert.match(text, /^Action: failed\r$/m);
      assert.match(text, /^Status: 4\.4\.7\r$/m);
      assert.match(text, /Message expired/);
      assert.match(text, /^Content-Type: message\/rfc822\r$/m);
      assert.match(text, /Subject: to a host that is down/, 'the original is returned');
      assert.ok(Date.now() - start >= QUEUE_TIMING.messageExpiryInterval * 1000);
      bed.down.down = false;
    });

    // One hop limit for the front and the workers: the pass that would exceed it is refused at our
    // own DATA (554 5.4.6), and the worker that carried it reports that answer once.
    it('stops a mail loop at the hop limit with one 5.4.6 report', async () => {
      const reply = await bed.send('alice@example.org', ['x@loop.test'], message('looping'));
      assert.match(reply, /^250 /);
      const dsn = await waitFor('the hop-limit report', async () =>
        (await bed.inbox('alice')).find((m) => m.toString().includes('x@loop.test')),
      );
      const text = dsn.toString('utf8');
      assert.match(text, /^Status: 5\.4\.6\r$/m);
      assert.match(text, /^Diagnostic-Code: smtp; 554 5\.4\.6 Too many hops \(5 > 4\): possible mail loop/m);
      // Exactly one report, and the looping message never reached any sink.
      assert.equal((await bed.inbox('alice')).filter((m) => m.toString().includes('x@loop.test')).length, 1);
    });
  });
}
