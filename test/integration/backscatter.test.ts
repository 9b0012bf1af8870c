/**
 * No backscatter: a client that is neither authenticated nor in a trusted network cannot make the
 * server send mail to a (possibly forged) sender of its choice. What can be refused is refused in
 * the session (a closed list at RCPT, a looping message at DATA); NOTIFY=SUCCESS/DELAY are declined;
 * a failure report returns the headers only. Real SMTP in and out, on every storage adapter.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { mailprocPath } from '../../core/model/mail-root.js';
import { redisOptionsFromUrl } from '../../core/runtime/redis-process.js';
import { ADAPTER_NAMES, type AdapterName, type TestStorage } from '../helpers/adapters.js';
import { useAdapterInfra } from '../helpers/adapter-infra.js';
import { startQueueTestbed, waitFor, type QueueTestbed } from '../helpers/queue-testbed.js';
import { smtpExchange } from '../helpers/smtp-client.js';

const infra = useAdapterInfra('backscatter');

const body = (subject: string, extraHeader = ''): string =>
  `${extraHeader}From: victim@remote.test\r\nSubject: ${subject}\r\n\r\nthe body of ${subject}\r\n.`;

for (const adapter of ADAPTER_NAMES) describeBackscatter(adapter);

function describeBackscatter(adapter: AdapterName): void {
  describe(`no backscatter on the ${adapter} storage adapter`, () => {
    let bed: QueueTestbed;
    let testStorage: TestStorage;
    const prefix = `backscatter-${adapter}`;
    /** An untrusted session (no AUTH, trustedNetworks empty) from a forged sender. */
    const untrusted = (mailFrom: string, rcpts: string[], message: string): Promise<string[]> =>
      smtpExchange(bed.port, '127.0.0.3', [
        'EHLO bot.example',
        `MAIL FROM:${mailFrom}`,
        ...rcpts.map((rcpt) => `RCPT TO:${rcpt}`),
        'DATA',
        message,
        'QUIT',
      ]);

    /** Resolves once nothing is waiting, running or delayed in the delivery queue. */
    const queueSettled = async (): Promise<void> => {
      const queue = new Queue('delivery', { prefix, connection: redisOptionsFromUrl(infra().redis.url) });
      try {
        await waitFor('the queue to settle', async () => {
          const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
          return Object.values(counts).every((n) => n === 0);
        });
      } finally {
        await queue.close();
      }
    };

    before(async () => {
      testStorage = await infra().storages.open(adapter);
      bed = await startQueueTestbed(
        prefix,
        { messageExpiryInterval: 60, minRetryInterval: 30 },
        { storage: testStorage.url, redis: infra().redis, smtp: { trustedNetworks: [] }, maximumHops: 10 },
      );
      const { accounts, files } = bed.storage;
      await accounts.addAccount({
        domain: 'example.org',
        name: 'team',
        kind: 'list',
        credential: { scheme: 'none' },
        vars: [['ClosedML', '1']],
      });
      await accounts.addMember(
        { domain: 'example.org', name: 'team' },
        { address: 'member@remote.test', perms: 'RW' },
      );
      await accounts.addAccount({
        domain: 'example.org',
        name: 'fwd',
        kind: 'user',
        credential: { scheme: 'none' },
        vars: [],
      });
      await files.writeFile(
        mailprocPath({ domain: 'example.org', name: 'fwd' }, 'user'),
        Buffer.from('"redirect"\t"gone@remote.test"\n'),
      );
      await accounts.addAccount({
        domain: 'example.org',
        name: 'relay',
        kind: 'user',
        credential: { scheme: 'none' },
        vars: [],
      });
      await files.writeFile(
        mailprocPath({ domain: 'example.org', name: 'relay' }, 'user'),
        Buffer.from('"redirect"\t"alice@example.org"\n'),
      );
      bed.up.refuse = (address) => address === 'gone@remote.test';
    });
    after(async () => {
      await bed?.close();
      await testStorage?.cleanup();
    });

    it('declines NOTIFY=SUCCESS from an untrusted client: delivered, and no report to the forged sender', async () => {
      const replies = await untrusted(
        '<victim@remote.test> RET=FULL',
        ['<alice@example.org> NOTIFY=SUCCESS,DELAY'],
        body('notify me'),
      );
      assert.match(replies.at(-2)!, /^250 /, replies.join('\n'));
      await waitFor('the delivery', () =>
        bed.hooks.delivered.find((e) => e.recipient === 'alice@example.org'),
      );
      await queueSettled();
      assert.deepEqual(
        bed.up.messages.filter((m) => m.rcptTo.includes('victim@remote.test')),
        [],
        'no report left for the forged sender',
      );
    });

    it('returns only the headers in a failure report to an untrusted sender, whatever RET says', async () => {
      const replies = await untrusted(
        '<victim@remote.test> RET=FULL',
        ['<fwd@example.org>'],
        body('secret body'),
      );
      assert.match(replies.at(-2)!, /^250 /, replies.join('\n'));
      const report = await waitFor('the failure report', () =>
        bed.up.messages.find((m) => m.rcptTo.includes('victim@remote.test')),
      );
      const text = report.data.toString('utf8');
      assert.match(text, /^Action: failed\r$/m);
      assert.match(text, /^Content-Type: text\/rfc822-headers\r$/m);
      assert.match(text, /Subject: secret body/, 'the headers are returned');
      assert.doesNotMatch(text, /the body of secret body/, 'the body is not');
    });

    it('refuses a post to a closed list at RCPT from a non-member, accepts a member', async () => {
      const refused = await untrusted('<stranger@remote.test>', ['<team@example.org>'], body('spam'));
      assert.match(refused[3], /^550 5\.7\.1 <team@example\.org>: only members may post to this list/);
      const accepted = await untrusted('<member@remote.test>', ['<team@example.org>'], body('hello team'));
      assert.match(accepted[3], /^250 /);
      assert.match(accepted.at(-2)!, /^250 /);
    });

    /** `n` Received fields of other hosts, to put on top of a message. */
    const hops = (n: number): string =>
      'Received: from a.example by b.example; Tue, 1 Dec 2026 10:00:00 +0000\r\n'.repeat(n);
    const inboxHas = async (subject: string): Promise<number> =>
      (await bed.inbox('alice')).filter((m) => m.toString().includes(`Subject: ${subject}\r\n`)).length;

    // maximumHops is 10 (one setting for SMTP and the queue); hops do not count this server's own Received.
    it('accepts and delivers a message that arrives with exactly the maximum hops, refuses one more at DATA', async () => {
      const atLimit = await untrusted(
        '<victim@remote.test>',
        ['<alice@example.org>'],
        body('ten hops', hops(10)),
      );
      assert.match(atLimit.at(-2)!, /^250 /, atLimit.join('\n'));
      await waitFor('the delivery at the limit', async () => (await inboxHas('ten hops')) === 1);

      const over = await untrusted(
        '<victim@remote.test>',
        ['<alice@example.org>'],
        body('eleven hops', hops(11)),
      );
      assert.equal(over.at(-2), '554 5.4.6 Too many hops (11 > 10): possible mail loop');
      await queueSettled();
      assert.equal(await inboxHas('eleven hops'), 0, 'nothing queued');
    });

    it('lets a report (null reverse path) arrive with twice the maximum hops, refuses one more at DATA', async () => {
      const atLimit = await untrusted('<>', ['<alice@example.org>'], body('twenty hops', hops(20)));
      assert.match(atLimit.at(-2)!, /^250 /, atLimit.join('\n'));
      await waitFor('the report delivered at the limit', async () => (await inboxHas('twenty hops')) === 1);

      const over = await untrusted('<>', ['<alice@example.org>'], body('twenty-one hops', hops(21)));
      assert.equal(over.at(-2), '554 5.4.6 Too many hops (21 > 20): possible mail loop');
      await queueSettled();
      assert.equal(await inboxHas('twenty-one hops'), 0);
    });

    it('counts a redirection as one more hop: the worker delivers up to the maximum, then non-delivers with a report', async () => {
      const within = await untrusted(
        '<victim@remote.test>',
        ['<relay@example.org>'],
        body('nine then ten', hops(9)),
      );
      assert.match(within.at(-2)!, /^250 /);
      await waitFor('the redirected copy with ten hops', async () => (await inboxHas('nine then ten')) === 1);

      const over = await untrusted(
        '<victim@remote.test>',
        ['<relay@example.org>'],
        body('ten then eleven', hops(10)),
      );
      assert.match(over.at(-2)!, /^250 /, 'ten hops are accepted; the redirection makes eleven');
      const report = await waitFor('the hop-limit report', () =>
        bed.up.messages.find(
          (m) =>
            m.rcptTo.includes('victim@remote.test') && m.data.toString().includes('Subject: ten then eleven'),
        ),
      );
      assert.match(
        report.data.toString(),
        /^Diagnostic-Code: smtp; 554 5\.4\.6 Hop count exceeded \(11 > 10\): possible mail loop\r$/m,
      );
      assert.equal(await inboxHas('ten then eleven'), 0);
    });

    it('discards a redirected report over twice the maximum, with no report about it', async () => {
      const within = await untrusted('<>', ['<relay@example.org>'], body('report nineteen', hops(19)));
      assert.match(within.at(-2)!, /^250 /);
      await waitFor(
        'the redirected report with twenty hops',
        async () => (await inboxHas('report nineteen')) === 1,
      );

      const over = await untrusted('<>', ['<relay@example.org>'], body('report twenty', hops(20)));
      assert.match(over.at(-2)!, /^250 /);
      const bounced = await waitFor('the discard', () =>
        bed.hooks.bounced.find((event) => event.error.includes('(21 > 20)')),
      );
      assert.equal(bounced.error, '554 5.4.6 Hop count exceeded (21 > 20): possible mail loop');
      await queueSettled();
      assert.equal(await inboxHas('report twenty'), 0);
    });
  });
}
