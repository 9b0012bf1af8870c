/**
 * A POP3 login reads no message body: the CRLF sizes LIST and STAT report are recorded when a
 * message is delivered (over SMTP here) or stored, so logging in on a large
 * maildrop is quick and the maildrop lock is held only briefly. A message stored before sizes were
 * recorded is counted once and cached. Python's poplib over STLS, on every storage adapter.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Redis } from 'ioredis';
import { type AccountKey, type MessageMeta, type Kernel, type Storage } from '../../core/index.js';
import { directorySetup } from '../helpers/directory-setup.js';
import { MimeStructureScanner } from '../../core/mime/structure-stream.js';
import { redisOptionsFromUrl } from '../../core/runtime/redis-process.js';
import { useAdapterInfra } from '../helpers/adapter-infra.js';
import { ADAPTER_NAMES, type TestStorage } from '../helpers/adapters.js';
import { MessageSizes } from '../../plugins/pop3/message-sizes.js';
import { readWithPoplib } from '../helpers/pop3-readers.js';
import { waitFor } from '../helpers/queue-testbed.js';
import { smtpExchange } from '../helpers/smtp-client.js';
import { startTestKernel, onFreePorts } from '../helpers/test-kernel.js';

const PASSWORD = 'pop login cost';
const ALICE: AccountKey = { domain: 'example.org', name: 'alice' };
const SIZE_CACHE = 'mw:pop3:octets:*';

const infra = useAdapterInfra('pop3-login-cost');

for (const adapter of ADAPTER_NAMES) {
  describe(`POP3 login cost on the ${adapter} storage adapter`, () => {
    let dir: string;
    let testStorage: TestStorage;
    let kernel: Kernel;
    let storage: Storage;
    let redis: Redis;
    let ports: { smtp: number; pop3: number };

    const inboxCount = async (): Promise<number> => (await storage.mail.listMessages(ALICE, 'INBOX')).length;

    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'mw-pop3-cost-'));
      testStorage = await infra().storages.open(adapter);
      const started = await startTestKernel(
        {
          storage: testStorage.url,
          redis: { url: infra().redis.url },
          plugins: {
            smtp: { hostname: 'mx.example.org', reverseDns: false },
            queue: { prefix: `pop3-cost-${adapter}`, hostname: 'mx.example.org' },
            pop3: {},
          },
          listen: onFreePorts('smtp', 'submission', 'smtps', 'pop3', 'pop3s'),
        },
        dir,
      );
      kernel = started.kernel;
      storage = started.storage;
      ports = { smtp: started.port('smtp'), pop3: started.port('pop3') };
      const directory = directorySetup(kernel.container);
      await directory.addDomain('example.org');
      await directory.addUser('alice@example.org', PASSWORD);
      redis = new Redis(redisOptionsFromUrl(infra().redis.url));
      await redis.del(...(await redis.keys(SIZE_CACHE)), 'none');
    });

    after(async () => {
      redis?.disconnect();
      await kernel?.stop();
      await testStorage?.cleanup();
      await rm(dir, { recursive: true, force: true });
    });

    it('lists exact sizes for mail delivered over SMTP without reading a body at login', async () => {
      for (let n = 1; n <= 20; n++) {
        // Bare LFs in odd messages (the SMTP server stores CRLF line endings either way).
        const eol = n % 2 ? '\n' : '\r\n';
        const text = `From: bob@example.net${eol}Subject: message ${n}${eol}${eol}${'line of text'.repeat(n)}\r\n.`;
        const replies = await smtpExchange(ports.smtp, '127.0.0.1', [
          'EHLO client.example.net',
          'MAIL FROM:<bob@example.net>',
          'RCPT TO:<alice@example.org>',
          'DATA',
          text,
          'QUIT',
        ]);
        assert.match(replies.at(-2)!, /^250 /, replies.join('\n'));
      }
      await waitFor('twenty deliveries', async () => (await inboxCount()) === 20);

      const got = await readWithPoplib({ port: ports.pop3, user: 'alice@example.org', password: PASSWORD });
      assert.equal(got.messages.length, 20);
      const sizes = got.list.map((line) => Number(line.split(' ')[1]));
      assert.deepEqual(
        sizes,
        got.messages.map((message) => message.length),
        'LIST sizes are the octets RETR sent',
      );
      assert.equal(
        got.stat[1],
        sizes.reduce((a, b) => a + b, 0),
      );
      assert.deepEqual(await redis.keys(SIZE_CACHE), [], 'no body was read to count its size');
    });

    /** A message as an older version stored it: no recorded size. */
    const storeWithoutRecordedSize = async (body: Buffer): Promise<MessageMeta> => {
      const scanner = new MimeStructureScanner();
      scanner.write(body);
      const { mime, envelope } = scanner.finish();
      delete mime.crlfSize;
      const blob = await storage.blobs.putBlob(Readable.from([body]));
      const message = {
        blobId: blob.id,
        size: blob.size,
        internalDate: new Date(),
        flags: [],
        mime,
        envelope,
      };
      return storage.mail.append(ALICE, 'INBOX', message, { adoptReference: true });
    };

    it('counts a message stored without a recorded size once, and caches the count', async () => {
      const body = Buffer.from('Subject: old\n\nstored long ago\n'); // three bare LFs
      const stored = await storeWithoutRecordedSize(body);
      const got = await readWithPoplib({ port: ports.pop3, user: 'alice@example.org', password: PASSWORD });
      assert.equal(got.list.at(-1), `${got.list.length} ${body.length + 3}`);
      assert.deepEqual(await redis.keys(SIZE_CACHE), [`mw:pop3:octets:${stored.blobId}`]);
    });

    it('stops counting sizes once the client is gone', async () => {
      const stored = await storeWithoutRecordedSize(Buffer.from('Subject: older\n\nnever counted\n'));
      const sizes = new MessageSizes(redis, storage.blobs);
      await assert.rejects(sizes.sizesOf([stored], AbortSignal.abort()), { name: 'AbortError' });
      assert.equal(await redis.exists(`mw:pop3:octets:${stored.blobId}`), 0);
    });
  });
}
