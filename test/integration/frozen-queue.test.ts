import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Readable } from 'node:stream';
import { FrozenQueueToken, RetryScheduleToken, type FrozenQueue } from '../../core/index.js';
import { ADAPTER_NAMES, type AdapterName, type TestStorage } from '../helpers/adapters.js';
import { useAdapterInfra } from '../helpers/adapter-infra.js';
import { startQueueTestbed, waitFor, type QueueTestbed } from '../helpers/queue-testbed.js';

async function text(stream: Readable | null): Promise<string> {
  assert.ok(stream, 'a stream');
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

const infra = useAdapterInfra('frozen-queue');

for (const adapter of ADAPTER_NAMES) describeFrozenQueue(adapter);

function describeFrozenQueue(adapter: AdapterName): void {
  describe(`frozen queue on the ${adapter} storage adapter: permanent failures, resubmission, deletion, ETRN`, () => {
    let bed: QueueTestbed;
    let testStorage: TestStorage;
    let frozen: FrozenQueue;

    before(async () => {
      // A long expiry here: these messages must wait for the test, not expire.
      testStorage = await infra().storages.open(adapter);
      bed = await startQueueTestbed(
        `frozen-queue-${adapter}`,
        { messageExpiryInterval: 60, minRetryInterval: 30 },
        {
          storage: testStorage.url,
          redis: infra().redis,
        },
      );
      frozen = bed.kernel.container.resolve(FrozenQueueToken);
    });
    after(async () => {
      await bed?.close();
      await testStorage?.cleanup();
    });

    it('freezes a message refused with 5xx, reports it, and delivers it once after resubmission', async () => {
      bed.up.refuse = (address) => address === 'flaky@remote.test';
      await bed.send('alice@example.org', ['flaky@remote.test'], 'Subject: refused first\r\n\r\nbody\r\n');
      const row = await waitFor('the frozen message', async () =>
        (await frozen.list()).find((m) => m.rcpt === 'flaky@remote.test'),
      );
      assert.equal(row.from, 'alice@example.org');
      assert.equal(row.tryCount, 1);

      const report = await waitFor('the failure report', async () =>
        (await bed.inbox('alice')).find((m) => m.toString().includes('flaky@remote.test')),
      );
      assert.match(report.toString(), /^Status: 5\.1\.1\r$/m);
      assert.match(report.toString(), /^Remote-MTA: dns; 127\.0\.0\.1\r$/m);
      assert.match(report.toString(), /^Diagnostic-Code: smtp; 550 5\.1\.1 no such user at the sink\r$/m);

      const log = await text(await frozen.log(row));
      assert.match(log, /try 1: flaky@remote\.test/);
      assert.match(log, /flaky@remote\.test failed: 550 5\.1\.1/);
      const spool = await text(await frozen.message(row));
      assert.match(
        spool,
        /MAIL FROM:<alice@example\.org>\r\nRCPT TO:<flaky@remote\.test>\r\n<<MAIL-DATA>>\r\nReceived: /,
      );
      assert.match(spool, /Subject: refused first\r\n\r\nbody\r\n$/);

      bed.up.refuse = () => false;
      assert.equal(await frozen.submit(row), true);
      await waitFor('the delivery after resubmission', () =>
        bed.up.messages.find((m) => m.rcptTo.includes('flaky@remote.test')),
      );
      await waitFor(
        'the frozen list to empty',
        async () => !(await frozen.list()).some((m) => m.id === row.id),
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(
        bed.up.messages.filter((m) => m.rcptTo.includes('flaky@remote.test')).length,
        1,
        'delivered once',
      );
      assert.equal(await frozen.submit(row), false, 'no longer frozen');
      assert.equal(await frozen.submit({ id: 'nomsg' }), false);
    });

    it('ETRN (over SMTP from Python smtplib) reschedules the deferred deliveries of a domain now, and resets their retry state', async () => {
      bed.down.down = true;
      await bed.send('alice@example.org', ['erin@down.test'], 'Subject: etrn me\r\n\r\nbody\r\n');
      const retry = bed.kernel.container.resolve(RetryScheduleToken);
      await waitFor('the first failure', () => retry.get('down.test'));
      bed.down.down = false;
      assert.equal(await frozen.rescheduleDeferred('*@*.example.net'), 0, 'the queue API: nothing there');
      const started = Date.now();
      const replies = await smtplibEtrn(bed.port, ['nothing.example', 'DOWN.test', '#queue', '@', '']);
      assert.equal(replies.features, true, 'EHLO advertises ETRN');
      assert.deepEqual(replies.answers, [
        [251, '2.0.0 OK, no messages waiting for node nothing.example'],
        [253, '2.0.0 OK, 1 pending messages for node DOWN.test started'],
        [458, '4.3.0 Unable to queue messages for node #queue: there are no named queues'],
        [501, '5.5.4 Syntax: ETRN <domain> | @<domain>'],
        [501, '5.5.4 Syntax: ETRN <domain> | @<domain>'],
      ]);
      assert.deepEqual(replies.inTransaction, [
        503,
        '5.5.1 Error: ETRN is not allowed inside a mail transaction',
      ]);
      await waitFor('the delivery after ETRN', () =>
        bed.down.messages.find((m) => m.rcptTo.includes('erin@down.test')),
      );
      assert.ok(Date.now() - started < 5000, 'well before the 30 s retry interval');
      assert.equal(await retry.get('down.test'), null, 'a success clears the retry state');
    });

    it('deletes a deferred message and reports the deletion to its originator', async () => {
      bed.down.down = true;
      const reply = await bed.send(
        'alice@example.org',
        ['frank@down.test'],
        'Subject: delete me\r\n\r\nbody\r\n',
      );
      const id = /queued as (\S+)/.exec(reply)![1];
      await waitFor('the deferral', () => bed.hooks.deferred.find((e) => e.recipient === 'frank@down.test'));
      assert.equal(await frozen.delete({ id }), true);
      const report = await waitFor('the deletion report', async () =>
        (await bed.inbox('alice')).find((m) => m.toString().includes('frank@down.test')),
      );
      assert.match(report.toString(), /Message deleted by administrator/);
      assert.equal(await frozen.log({ id }), null, 'gone');
      bed.down.down = false;
    });
  });
}

/**
 * A real client's ETRN: Python's smtplib on Mailwright's SMTP listener (127.0.0.3 in the test bed,
 * a trusted loopback address). Each node is asked in turn; then once more inside a transaction.
 */
async function smtplibEtrn(
  port: number,
  nodes: string[],
): Promise<{ features: boolean; answers: [number, string][]; inTransaction: [number, string] }> {
  const script = [
    'import json, smtplib, sys',
    's = smtplib.SMTP("127.0.0.3", int(sys.argv[1]), timeout=10)',
    's.ehlo("client.example")',
    'out = {"features": s.has_extn("etrn"), "answers": []}',
    'for node in json.loads(sys.argv[2]):',
    '    code, text = s.docmd("ETRN", node)',
    '    out["answers"].append([code, text.decode()])',
    's.mail("alice@example.org")',
    'code, text = s.docmd("ETRN", "down.test")',
    'out["inTransaction"] = [code, text.decode()]',
    's.quit()',
    'print(json.dumps(out))',
  ].join('\n');
  const { stdout } = await promisify(execFile)('python3', [
    '-c',
    script,
    String(port),
    JSON.stringify(nodes),
  ]);
  return JSON.parse(stdout) as {
    features: boolean;
    answers: [number, string][];
    inTransaction: [number, string];
  };
}
