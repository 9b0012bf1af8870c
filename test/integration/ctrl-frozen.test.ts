import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { AdminServiceToken, Kernel } from '../../core/index.js';
import { directorySetup } from '../helpers/directory-setup.js';
import { startRedisServer, type RedisProcess } from '../../core/runtime/redis-process.js';
import { CtrlClient } from '../helpers/ctrl-client.js';
import { startTestKernel } from '../helpers/test-kernel.js';

const FILE_OPEN_ERROR = '-00019 Unable to open file';
const FILE_MOVE_ERROR = '-00164 Unable to move file';
import { QueueSink } from '../helpers/queue-sink.js';
import { waitFor } from '../helpers/queue-testbed.js';

/**
 * The XMail CTRL queue commands over the wire, on real BullMQ frozen messages: a message the
 * destination refuses with 550 is frozen; frozlist shows it (9 fields), frozgetlog its log,
 * frozgetmsg its spool text; frozsubmit delivers it once the destination takes it; frozdel
 * removes another.
 */
describe('XMail CTRL queue commands on the BullMQ frozen messages', () => {
  let dir: string;
  let redis: RedisProcess;
  let sink: QueueSink;
  let kernel: Kernel;
  let smtpPort: number;
  let ctrlPort: number;
  let refused: Set<string> = new Set(['carol@remote.test', 'dave@remote.test']);

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'mw-ctrl-frozen-'));
    redis = await startRedisServer({ dir });
    sink = new QueueSink();
    sink.refuse = (address) => refused.has(address);
    const sinkPort = await sink.listen('127.0.0.1');
    const started = await startTestKernel(
      {
        storage: `file:${path.join(dir, 'mail')}`,
        redis: { url: redis.url },
        plugins: {
          smtp: { hostname: 'mx.example.org', reverseDns: false },
          queue: {
            prefix: 'ctrl-frozen',
            hostname: 'mx.example.org',
            remotePort: sinkPort,
            dns: { mx: { 'remote.test': [{ exchange: '127.0.0.1', priority: 10 }] } },
          },
          'xmail-ctrl': {},
        },
        listen: {
          smtp: '127.0.0.1:0',
          submission: '127.0.0.1:0',
          smtps: '127.0.0.1:0',
          'xmail-ctrl': '127.0.0.1:0',
          'xmail-ctrls': '127.0.0.1:0',
        },
      },
      dir,
    );
    kernel = started.kernel;
    const port = started.port;
    smtpPort = port('smtp');
    ctrlPort = port('xmail-ctrl');
    await kernel.container.resolve(AdminServiceToken).add('admin', 'secret');
    const directory = directorySetup(kernel.container);
    await directory.addDomain('example.org');
    await directory.addUser('alice@example.org', 'pw');
  });

  after(async () => {
    await kernel?.stop();
    await sink?.close();
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const send = async (to: string, subject: string) => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, ignoreTLS: true });
    await transport.sendMail({
      envelope: { from: 'alice@example.org', to: [to] },
      raw: `Subject: ${subject}\r\n\r\nbody\r\n`,
    });
    transport.close();
  };

  const login = async () => {
    const client = await CtrlClient.connect(ctrlPort);
    assert.match((await client.raw(`"admin"\t"${client.md5('secret')}"`))[0], /^\+00000/);
    return client;
  };

  /** frozlist rows as field arrays. */
  const frozen = async (client: CtrlClient) => {
    const lines = await client.command('frozlist');
    assert.equal(lines[0], '+00100 OK');
    return lines.slice(1, -1).map((line) => line.split('\t').map((field) => field.replace(/^"|"$/g, '')));
  };

  it('lists, reads, resubmits and deletes frozen messages', async () => {
    await send('carol@remote.test', 'for carol');
    await send('dave@remote.test', 'for dave');
    const client = await login();
    const rows = await waitFor('two frozen messages', async () => {
      const list = await frozen(client);
      return list.length === 2 ? list : undefined;
    });
    for (const row of rows) {
      assert.equal(row.length, 9, 'frozlist has 9 fields');
      assert.equal(row[3], '<alice@example.org>');
      assert.match(row[5], /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      assert.ok(Number(row[7]) >= 1, 'try count');
    }
    const carol = rows.find((row) => row[4] === '<carol@remote.test>')!;
    const dave = rows.find((row) => row[4] === '<dave@remote.test>')!;
    const ref = (row: string[]) => [row[1], row[2], row[0]]; // lev0 lev1 msgfile
    assert.deepEqual([carol[1], carol[2]], ['0', '0'], 'every message is listed at spool levels 0 0');
    // Other levels name no message, as a wrong level does in XMail's spool.
    assert.deepEqual(await client.command('frozgetlog', '1', '0', carol[0]), [FILE_OPEN_ERROR]);
    assert.deepEqual(await client.command('frozsubmit', '0', '7', carol[0]), [FILE_MOVE_ERROR]);

    const log = await client.command('frozgetlog', ...ref(carol));
    assert.equal(log[0], '+00100 OK');
    assert.ok(
      log.some((line) => /carol@remote\.test.*550/.test(line)),
      log.join('\n'),
    );
    const message = await client.command('frozgetmsg', ...ref(carol));
    assert.equal(message[0], '+00100 OK');
    assert.ok(message.includes('MAIL FROM:<alice@example.org>'), message.join('\n'));
    assert.ok(message.includes('RCPT TO:<carol@remote.test>'));
    assert.ok(message.includes('Subject: for carol'));

    refused = new Set(['dave@remote.test']); // the destination takes carol's mail now
    assert.deepEqual(await client.command('frozsubmit', ...ref(carol)), ['+00000 OK']);
    await waitFor('carol delivered at the sink', () =>
      sink.messages.some((m) => m.rcptTo.includes('carol@remote.test')),
    );
    assert.equal(sink.messages.filter((m) => m.rcptTo.includes('carol@remote.test')).length, 1);

    assert.deepEqual(await client.command('frozdel', ...ref(dave)), ['+00000 OK']);
    assert.deepEqual(await frozen(client), []);
    await client.command('quit');
  });
});
