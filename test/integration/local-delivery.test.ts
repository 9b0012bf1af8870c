/**
 * Local delivery over real SMTP on every storage adapter: the Return-Path the final delivery adds
 * (RFC 5321 §4.4) when the queued body lacks it, and a store action repeated after a crash (same
 * job, same delivery key) that must not make a second copy.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import {
  analyseMime,
  mailprocPath,
  type AccountKey,
  type MessageMeta,
  type MimeNode,
  type Storage,
} from '../../core/index.js';
import { directorySetup } from '../helpers/directory-setup.js';
import { DELIVERY_QUEUE_NAME, type DeliveryJobData } from '../../plugins/queue/job.js';
import { ADAPTER_NAMES, type AdapterName, type TestStorage } from '../helpers/adapters.js';
import { useAdapterInfra } from '../helpers/adapter-infra.js';
import { startQueueTestbed, waitFor, type QueueTestbed } from '../helpers/queue-testbed.js';

const SENDER = 'sender@outside.test';
const alice: AccountKey = { domain: 'example.org', name: 'alice' };
const carol: AccountKey = { domain: 'example.org', name: 'carol' };

/** A two-part message, so the stored MIME structure has offsets below the top level too. */
const message = (subject: string): string =>
  [
    `From: ${SENDER}`,
    'To: alice@example.org',
    `Subject: ${subject}`,
    `Message-ID: <${subject.replace(/\W/g, '-')}@outside.test>`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Hello part one',
    '--b1',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Part two',
    '--b1--',
    '',
  ].join('\r\n');

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

const infra = useAdapterInfra('local-delivery');

for (const adapter of ADAPTER_NAMES) describeLocalDelivery(adapter);

function describeLocalDelivery(adapter: AdapterName): void {
  describe(`local delivery on the ${adapter} storage adapter: Return-Path and repeated store actions`, () => {
    let bed: QueueTestbed;
    let testStorage: TestStorage;
    let storage: Storage;
    let redis: Redis;
    let queue: Queue<DeliveryJobData>;
    const name = `local-delivery-${adapter}`;

    before(async () => {
      testStorage = await infra().storages.open(adapter);
      // Retries slow enough that the test can change a waiting job between two tries.
      bed = await startQueueTestbed(
        name,
        { minRetryInterval: 1.5, maxRetryInterval: 3, messageExpiryInterval: 60 },
        { storage: testStorage.url, redis: infra().redis },
      );
      storage = bed.storage;
      await directorySetup(bed.kernel.container).addUser('carol@example.org', 'carol password');
      redis = new Redis(infra().redis.url, { maxRetriesPerRequest: null });
      queue = new Queue<DeliveryJobData>(DELIVERY_QUEUE_NAME, { prefix: name, connection: redis });
    });
    after(async () => {
      await queue?.close();
      redis?.disconnect();
      await bed?.close();
      await testStorage?.cleanup();
    });

    /** The stored message of `account` with this subject, once there, and its bytes. */
    async function stored(
      account: AccountKey,
      subject: string,
    ): Promise<{ meta: MessageMeta; bytes: Buffer }> {
      const meta = await waitFor(`${account.name}'s copy of "${subject}"`, async () =>
        (await storage.mail.listMessages(account, 'INBOX')).find((m) => m.envelope.subject === subject),
      );
      return { meta, bytes: await readAll(await storage.blobs.openBlob(meta.blobId)) };
    }

    async function inboxCount(account: AccountKey, subject: string): Promise<number> {
      return (await storage.mail.listMessages(account, 'INBOX')).filter((m) => m.envelope.subject === subject)
        .length;
    }

    /** The structure kept at delivery is the one of the stored bytes, and each part reads right. */
    async function assertStructureFits(meta: MessageMeta, bytes: Buffer): Promise<void> {
      const analysed = await analyseMime(Readable.from([bytes]));
      assert.deepEqual(meta.mime, analysed.mime, 'the MIME offsets point into the stored body');
      assert.deepEqual(meta.envelope, analysed.envelope);
      assert.equal(meta.size, bytes.length);
      const parts: MimeNode[] = meta.mime.children ?? [];
      assert.equal(parts.length, 2);
      const read = async (part: MimeNode) =>
        (await readAll(await storage.blobs.openBlob(meta.blobId, { start: part.bodyStart, end: part.end })))
          .toString()
          .trim();
      assert.equal(await read(parts[0]), 'Hello part one');
      assert.equal(await read(parts[1]), 'Part two');
      const header = await readAll(
        await storage.blobs.openBlob(meta.blobId, { start: meta.mime.headerStart, end: meta.mime.bodyStart }),
      );
      assert.match(header.toString(), /^Return-Path: <sender@outside\.test>\r\nReceived: /);
    }

    async function expunge(account: AccountKey, uid: number): Promise<void> {
      await storage.mail.updateFlags(account, 'INBOX', {
        uids: [uid],
        operation: 'add',
        flags: ['\\Deleted'],
      });
      assert.deepEqual(await storage.mail.expunge(account, 'INBOX', [uid]), [uid]);
    }

    it('adds one Return-Path to the local copies of a message that also goes remote', async () => {
      const subject = `mixed ${adapter}`;
      const reply = await bed.send(
        SENDER,
        ['alice@example.org', 'carol@example.org', 'bob@remote.test'],
        message(subject),
      );
      assert.match(reply, /^250 /);
      const remote = await waitFor('the remote copy', () =>
        bed.up.messages.find((m) => m.data.toString().includes(`Subject: ${subject}`)),
      );
      assert.doesNotMatch(remote.data.toString(), /^Return-Path:/im, 'the copy that leaves has none');

      const a = await stored(alice, subject);
      const c = await stored(carol, subject);
      assert.equal(a.meta.blobId, c.meta.blobId, 'one copy with Return-Path for all local recipients');
      assert.equal(a.bytes.toString().match(/^Return-Path:/gim)?.length, 1);
      assert.deepEqual(
        a.bytes,
        Buffer.concat([Buffer.from(`Return-Path: <${SENDER}>\r\n`), remote.data]),
        'the queued body, byte for byte, under the Return-Path line',
      );
      await assertStructureFits(a.meta, a.bytes);

      // Every reference is accounted for: once the job is done and both messages are gone, so is the body.
      await waitFor('the job to finish', async () => {
        const counts = await queue.getJobCounts('active', 'wait', 'delayed');
        return counts.active + counts.wait + counts.delayed === 0;
      });
      await expunge(alice, a.meta.uid);
      assert.ok(await storage.blobs.statBlob(a.meta.blobId), "carol's message still holds the body");
      await expunge(carol, c.meta.uid);
      assert.equal(await storage.blobs.statBlob(a.meta.blobId), null, 'no reference left behind');
    });

    it('shares the queued body, which already has its Return-Path, when every recipient is local', async () => {
      const subject = `all local ${adapter}`;
      await bed.send(SENDER, ['alice@example.org', 'carol@example.org'], message(subject));
      const a = await stored(alice, subject);
      const c = await stored(carol, subject);
      assert.equal(a.meta.blobId, c.meta.blobId);
      assert.equal(a.bytes.toString().match(/^Return-Path:/gim)?.length, 1);
      await assertStructureFits(a.meta, a.bytes);
    });

    it('hands the queue reference of a one-recipient message to its mailbox: expunged, the body is gone', async () => {
      const subject = `one recipient ${adapter}`;
      const reply = await bed.send(SENDER, ['alice@example.org'], message(subject));
      const id = /queued as (\S+)/.exec(reply)![1];
      const { meta } = await stored(alice, subject);
      await waitFor('the job to complete', async () => (await queue.getJob(id))?.finishedOn);
      const job = await queue.getJob(id);
      assert.equal(job?.data.blobReleased, true, 'the queue holds no reference any more');
      assert.ok(await storage.blobs.statBlob(meta.blobId), 'the mailbox message holds one');
      await storage.mail.updateFlags(alice, 'INBOX', {
        uids: [meta.uid],
        operation: 'add',
        flags: ['\\Deleted'],
      });
      assert.deepEqual(await storage.mail.expunge(alice, 'INBOX', [meta.uid]), [meta.uid]);
      assert.equal(await storage.blobs.statBlob(meta.blobId), null, 'its one reference was the last');
    });

    it('sends a copy on (mailproc redirect) without the Return-Path put on top for local mailboxes', async () => {
      const dave = 'dave@example.org';
      await directorySetup(bed.kernel.container).addUser(dave, 'dave password');
      const rules = '"mailbox"\n"redirect"\t"dave.elsewhere@remote.test"\n';
      await storage.files.writeFile(
        mailprocPath({ domain: 'example.org', name: 'dave' }, 'user'),
        Buffer.from(rules),
      );
      const subject = 'kept and sent on';
      assert.match(await bed.send(SENDER, [dave], message(subject)), /^250 /);
      const { bytes } = await stored({ domain: 'example.org', name: 'dave' }, subject);
      assert.ok(
        bytes.toString().startsWith(`Return-Path: <${SENDER}>\r\nReceived: `),
        'the mailbox copy has it',
      );
      const sent = await waitFor('the redirected copy', () =>
        bed.up.messages.find((m) => m.data.toString().includes(`Subject: ${subject}`)),
      );
      assert.deepEqual(sent.rcptTo, ['dave.elsewhere@remote.test']);
      const text = sent.data.toString();
      assert.equal(/^Return-Path:/im.test(text), false, 'no Return-Path leaves this server');
      assert.ok(text.startsWith('Received: '), 'the forward starts with its own Received');
      assert.equal(text.match(/^Received: /gm)?.length, 2, 'our two hops: arrival and forward');
    });

    it('does not store a second copy when a store action is carried out again', async () => {
      const subject = `retried ${adapter}`;
      bed.down.down = true;
      try {
        await bed.send(SENDER, ['alice@example.org', 'x@down.test'], message(subject));
        const first = await stored(alice, subject);
        // The remote recipient keeps the job waiting for its next try: make that try redo alice's
        // store action, as after a worker killed between the append and recording it as done.
        const job = await waitFor('the job to wait for its next try', async () => {
          const [delayed] = await queue.getJobs(['delayed']);
          return delayed && delayed.data.settledActions.length > 0 ? delayed : undefined;
        });
        const storeKey = job.data.settledActions.find((key) => key.startsWith('alice@example.org#'));
        assert.ok(storeKey, `a store action for alice among ${job.data.settledActions.join(', ')}`);
        const tries = job.data.tries;
        await job.updateData({
          ...job.data,
          settled: job.data.settled.filter((r) => r !== 'alice@example.org'),
          settledActions: job.data.settledActions.filter((key) => key !== storeKey),
        });

        const retried = await waitFor('the retry to redo the store action', async () => {
          const now = (await queue.getJob(job.id as string))!;
          const done =
            now.data.tries > tries &&
            now.data.settledActions.includes(storeKey) &&
            now.data.settled.includes('alice@example.org');
          return done ? now : undefined;
        });
        assert.equal(retried.data.settledActions.filter((key) => key === storeKey).length, 1);
        assert.equal(await inboxCount(alice, subject), 1, 'still one copy');
        const again = await stored(alice, subject);
        assert.deepEqual(again.meta, first.meta, 'the same message: same UID, same body');
        assert.deepEqual(again.bytes, first.bytes);
      } finally {
        bed.down.down = false;
      }
    });
  });
}
