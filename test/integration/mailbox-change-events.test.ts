/**
 * Mailbox events between processes over real Redis, on every storage adapter: a change made by
 * another OS process (a delivery worker, another front) reaches a subscriber here within a second;
 * every change through the kernel's storage publishes once, no-ops publish nothing; ten thousand
 * subscribers share one Redis subscription; a Redis outage fails no change and is counted.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Redis } from 'ioredis';
import {
  appendToFolder,
  MailboxEventsToken,
  type AccountKey,
  type Kernel,
  type MailboxEvent,
  type MailboxEvents,
  type Storage,
} from '../../core/index.js';
import { MailboxEventBus } from '../../core/mailbox-events/index.js';
import { encodeEvent } from '../../core/mailbox-events/wire-format.js';
import { RedisService } from '../../core/runtime/redis.js';
import {
  redisOptionsFromUrl,
  startRedisServer,
  type RedisProcess,
} from '../../core/runtime/redis-process.js';
import { ADAPTER_NAMES, type AdapterName, type TestStorage } from '../helpers/adapters.js';
import { useAdapterInfra } from '../helpers/adapter-infra.js';
import { directorySetup } from '../helpers/directory-setup.js';
import { quietLogger } from '../helpers/logger.js';
import { waitFor } from '../helpers/queue-testbed.js';
import { startStorageKernel } from '../helpers/storage-kernel.js';
import { WriterProcess } from '../helpers/mailbox-writer.js';

/** How long a test waits for something that should come in well under a second, before failing. */
const GIVE_UP_MS = 10_000;
const alice: AccountKey = { domain: 'example.org', name: 'alice' };
const bob: AccountKey = { domain: 'example.org', name: 'bob' };
const now = () => performance.timeOrigin + performance.now();

const body = (subject: string) =>
  Buffer.from(`From: a@outside.test\r\nTo: alice@example.org\r\nSubject: ${subject}\r\n\r\nHello\r\n`);

/** The events one account's subscriber heard, each with the moment it arrived. */
class Recorder {
  readonly heard: { event: MailboxEvent; at: number }[] = [];
  private waiters: (() => void)[] = [];
  readonly unsubscribe: () => void;

  constructor(events: MailboxEvents, account: AccountKey) {
    this.unsubscribe = events.subscribe(account, (event) => {
      this.heard.push({ event, at: now() });
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** The first event heard (now or later) that matches, with its arrival time. */
  async next(
    what: string,
    matches: (event: MailboxEvent) => boolean,
  ): Promise<{ event: MailboxEvent; at: number }> {
    const deadline = Date.now() + GIVE_UP_MS;
    for (;;) {
      const found = this.heard.find(({ event }) => matches(event));
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no ${what} event; heard ${JSON.stringify(this.heard)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now() + 1);
        this.waiters.push(() => (clearTimeout(timer), resolve()));
      });
    }
  }

  /** Resolves once `count` events were heard. */
  async count(count: number): Promise<void> {
    await this.next(`#${count}`, () => this.heard.length >= count);
  }
}

const infra = useAdapterInfra('mailbox-change-events');

for (const adapter of ADAPTER_NAMES) describeAcrossProcesses(adapter);

function describeAcrossProcesses(adapter: AdapterName): void {
  describe(`mailbox events on the ${adapter} storage adapter, between OS processes`, () => {
    let testStorage: TestStorage;
    let homes: string[];
    let kernel: Kernel;
    let storage: Storage;
    let events: MailboxEvents;
    let writer: WriterProcess;
    let watcher: Redis;
    const published: string[] = [];

    before(async () => {
      testStorage = await infra().storages.open(adapter);
      homes = [
        await mkdtemp(path.join(tmpdir(), 'mw-events-a-')),
        await mkdtemp(path.join(tmpdir(), 'mw-events-b-')),
      ];
      ({ kernel, storage } = await startStorageKernel({
        storage: testStorage.url,
        redisUrl: infra().redis.url,
        home: homes[0],
      }));
      events = kernel.container.resolve(MailboxEventsToken);
      const directory = directorySetup(kernel.container);
      await directory.addDomain('example.org');
      await directory.addUser('alice@example.org', 'alice password');
      await directory.addUser('bob@example.org', 'bob password');
      writer = await WriterProcess.start(testStorage.url, infra().redis.url, homes[1]);
      // What went over Redis, as any other process hears it.
      watcher = new Redis(redisOptionsFromUrl(infra().redis.url));
      watcher.on('pmessage', (_pattern, _channel, message) => published.push(message));
      await watcher.psubscribe('mw:mailbox:*');
    });

    after(async () => {
      await writer?.stop();
      watcher?.disconnect();
      await kernel?.stop();
      await testStorage?.cleanup();
      for (const home of homes ?? []) await rm(home, { recursive: true, force: true });
    });

    it('an append, a flag change and an expunge in another process reach a subscriber here within a second', async (t) => {
      const recorder = new Recorder(events, alice);
      const known = (await storage.mail.getFolder(alice, 'INBOX'))!.highestModseq;
      const latencies: Record<string, number> = {};

      // As a delivery worker stores a message: appendToFolder through its kernel's storage.
      const appended = await writer.send<{ uid: number; modseq: number }>({
        op: 'append',
        account: alice,
        folder: 'INBOX',
        body: body('across processes').toString(),
      });
      const append = await recorder.next(
        'append',
        (e) => e.kind === 'append' && e.highestModseq === appended.modseq,
      );
      assert.deepEqual(append.event, {
        account: alice,
        path: 'INBOX',
        kind: 'append',
        highestModseq: appended.modseq,
        uidNext: appended.uid + 1,
      });
      latencies.append = append.at - appended.committedAt;
      // The receiver's part: read the store from the last MODSEQ it knew.
      const changed = await storage.mail.listMessages(alice, 'INBOX', undefined, { changedSince: known });
      assert.deepEqual(
        changed.map((message) => message.uid),
        [appended.uid],
      );

      const flagged = await writer.send<{ modseq: number }>({
        op: 'flags',
        account: alice,
        folder: 'INBOX',
        uids: [appended.uid],
        flags: ['\\Deleted'],
      });
      const flags = await recorder.next('flags', (e) => e.kind === 'flags');
      assert.deepEqual(flags.event, {
        account: alice,
        path: 'INBOX',
        kind: 'flags',
        highestModseq: flagged.modseq,
      });
      latencies.flags = flags.at - flagged.committedAt;

      const expunged = await writer.send<{ uids: number[] }>({
        op: 'expunge',
        account: alice,
        folder: 'INBOX',
      });
      assert.deepEqual(expunged.uids, [appended.uid]);
      const expunge = await recorder.next('expunge', (e) => e.kind === 'expunge');
      assert.deepEqual(expunge.event, { account: alice, path: 'INBOX', kind: 'expunge' });
      latencies.expunge = expunge.at - expunged.committedAt;
      assert.deepEqual(await storage.mail.listMessages(alice, 'INBOX'), []);

      t.diagnostic(
        `${adapter}: from commit in the writer process to the listener here: ` +
          Object.entries(latencies)
            .map(([kind, ms]) => `${kind} ${ms.toFixed(2)} ms`)
            .join(', '),
      );
      for (const [kind, ms] of Object.entries(latencies)) assert.ok(ms < 1000, `${kind} took ${ms} ms`);
      assert.equal(recorder.heard.length, 3, 'one event per change');
      recorder.unsubscribe();
    });

    it('every change through the kernel’s storage publishes once, after it is stored; no-ops publish nothing', async () => {
      const recorder = new Recorder(events, bob);
      const mail = storage.mail;
      await mail.createFolder(bob, 'Work');
      const first = await appendToFolder(storage, bob, 'INBOX', body('one'));
      const noFlags = await mail.updateFlags(bob, 'INBOX', {
        uids: [999],
        operation: 'add',
        flags: ['\\Seen'],
      });
      assert.deepEqual(noFlags.updated, []);
      const flagged = await mail.updateFlags(bob, 'INBOX', {
        uids: [first.uid],
        operation: 'add',
        flags: ['\\Deleted'],
      });
      const copied = await mail.copyMessages(bob, 'INBOX', [first.uid], 'Work');
      assert.deepEqual(await mail.copyMessages(bob, 'INBOX', [999], 'Work'), []);
      assert.deepEqual(await mail.expunge(bob, 'INBOX', [999]), []);
      const [meta] = await mail.listMessages(bob, 'INBOX');
      assert.deepEqual(await mail.expunge(bob, 'INBOX'), [first.uid]);
      await mail.setSubscribed(bob, 'Work', true);
      await mail.renameFolder(bob, 'Work', 'Play');
      assert.equal(await mail.importMessage(bob, 'Play', { ...meta, uid: 50, modseq: 100 }), true);
      assert.equal(await mail.importMessage(bob, 'Play', { ...meta, uid: 50, modseq: 100 }), false);
      const play = (await mail.getFolder(bob, 'Play'))!;
      await mail.importFolderState(bob, 'Play', {
        uidValidity: play.uidValidity,
        uidNext: 60,
        highestModseq: 120,
      });
      await mail.deleteFolder(bob, 'Play');

      const expected: MailboxEvent[] = [
        { account: bob, path: 'Work', kind: 'folders' },
        { account: bob, path: 'INBOX', kind: 'append', highestModseq: first.modseq, uidNext: first.uid + 1 },
        { account: bob, path: 'INBOX', kind: 'flags', highestModseq: flagged.updated[0].modseq },
        { account: bob, path: 'Work', kind: 'append', uidNext: copied[0][1] + 1 },
        { account: bob, path: 'INBOX', kind: 'expunge' },
        { account: bob, path: 'Work', kind: 'folders' },
        { account: bob, path: 'Work', kind: 'folders' },
        { account: bob, path: 'Play', kind: 'append', highestModseq: 100, uidNext: 51 },
        { account: bob, path: 'Play', kind: 'folders', highestModseq: 120, uidNext: 60 },
        { account: bob, path: 'Play', kind: 'folders' },
      ];
      // Events of this process reach its listeners in publish order: once the last is here, every
      // event a no-op might have published would be here too.
      await recorder.count(expected.length);
      assert.deepEqual(
        recorder.heard.map(({ event }) => event),
        expected,
      );

      // The same events went over Redis for the other processes. Once Redis has passed on the last
      // of them, an event of another process published after it reaches this process after their
      // echoes, which the bus drops: its listeners heard each change once.
      await waitFor('the last event on Redis', () =>
        published.some((m) => m.includes('"Play"') && m.includes('"folders"') && !m.includes('120')),
      );
      assert.equal(published.filter((m) => m.includes('"bob"')).length, expected.length);
      const remote = await writer.send<{ modseq: number }>({
        op: 'append',
        account: bob,
        folder: 'INBOX',
        body: body('two').toString(),
      });
      await recorder.next('the other process’s append', (e) => e.highestModseq === remote.modseq);
      assert.equal(recorder.heard.length, expected.length + 1);
      recorder.unsubscribe();
    });
  });
}

/** A full garbage collection on demand, for the heap measurement. */
function collectGarbage(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

/** Connections of the server that hold a subscription: `{ sub, psub }` each. */
async function subscribedConnections(admin: Redis): Promise<{ sub: number; psub: number }[]> {
  const list = (await admin.call('CLIENT', 'LIST')) as string;
  return list
    .trim()
    .split('\n')
    .map((line) => Object.fromEntries(line.split(' ').map((field) => field.split('=') as [string, string])))
    .map((fields) => ({ sub: Number(fields.sub), psub: Number(fields.psub) }))
    .filter(({ sub, psub }) => sub > 0 || psub > 0);
}

describe('mailbox events: ten thousand subscribers in one process', () => {
  let dir: string;
  let redisServer: RedisProcess;
  let redis: RedisService;
  let bus: MailboxEventBus;
  let admin: Redis;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'mw-events-many-'));
    redisServer = await startRedisServer({ dir });
    redis = await RedisService.open(redisServer.url, dir, quietLogger());
    bus = await MailboxEventBus.open({ redis, logger: quietLogger() });
    admin = new Redis(redisOptionsFromUrl(redisServer.url));
  });

  after(async () => {
    admin?.disconnect();
    await bus?.close();
    await redis?.close();
    await redisServer?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** As another process publishes: a message on the account's channel with another origin. */
  const publishElsewhere = (event: MailboxEvent) =>
    admin.publish(
      `mw:mailbox:${event.account.name}@${event.account.domain}`,
      encodeEvent(event, 'another process'),
    );

  for (const spread of ['each on an account of its own', 'all on one account'] as const) {
    it(`hold one Redis subscription, ${spread}, and cost little heap each`, async (t) => {
      const gc = collectGarbage();
      const n = 10_000;
      const accountOf = (i: number): AccountKey =>
        spread === 'all on one account'
          ? { domain: 'example.org', name: 'crowd' }
          : { domain: 'example.org', name: `user${i}` };
      const heard = new Uint32Array(n);
      const listeners = Array.from({ length: n }, (_, i) => () => void heard[i]++);
      const unsubscribes: (() => void)[] = new Array(n);
      gc();
      const before = process.memoryUsage().heapUsed;
      for (let i = 0; i < n; i++) unsubscribes[i] = bus.subscribe(accountOf(i), listeners[i]);
      gc();
      const perSubscriber = (process.memoryUsage().heapUsed - before) / n;
      t.diagnostic(`${spread}: ${perSubscriber.toFixed(0)} bytes of heap per subscriber (${n} subscribers)`);
      assert.ok(perSubscriber < 1024, `${perSubscriber} bytes per subscriber`);
      assert.equal(bus.stats.subscriptions, n);

      // Redis: one connection of this process subscribed, to one pattern, and no channel.
      assert.deepEqual(await subscribedConnections(admin), [{ sub: 0, psub: 1 }]);
      assert.equal(await admin.call('PUBSUB', 'NUMPAT'), 1);
      assert.deepEqual(await admin.call('PUBSUB', 'CHANNELS'), []);

      // Another process's event: Redis hands it to one connection, the bus to the account's listeners.
      const target = accountOf(7);
      const receivers = await publishElsewhere({
        account: target,
        path: 'INBOX',
        kind: 'append',
        uidNext: 2,
      });
      assert.equal(receivers, 1);
      const expected = spread === 'all on one account' ? n : 1;
      await waitFor(
        'the listeners of the account',
        () => heard.reduce((sum, count) => sum + count, 0) >= expected,
      );
      assert.equal(
        heard.reduce((sum, count) => sum + count, 0),
        expected,
      );
      assert.equal(heard[7], 1);

      for (const unsubscribe of unsubscribes) unsubscribe();
      assert.deepEqual(
        { ...bus.stats, published: 0, publishFailures: 0 },
        {
          subscriptions: 0,
          accounts: 0,
          published: 0,
          publishFailures: 0,
        },
      );
    });
  }
});

describe('mailbox events: a Redis outage', () => {
  let dir: string;
  let redisServer: RedisProcess;
  let kernel: Kernel;
  let storage: Storage;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'mw-events-outage-'));
    redisServer = await startRedisServer({ dir: path.join(dir) });
    ({ kernel, storage } = await startStorageKernel({
      storage: `file:${path.join(dir, 'mail')}`,
      redisUrl: redisServer.url,
      home: path.join(dir, 'home'),
    }));
    const directory = directorySetup(kernel.container);
    await directory.addDomain('example.org');
    await directory.addUser('alice@example.org', 'alice password');
  });

  after(async () => {
    await kernel?.stop();
    await redisServer?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('fails no change, still tells this process, is counted, and events flow again once Redis is back', async () => {
    const bus = kernel.container.resolve(MailboxEventsToken) as MailboxEventBus;
    const recorder = new Recorder(bus, alice);
    await redisServer.stop();

    const stored = await appendToFolder(storage, alice, 'INBOX', body('during the outage'));
    await recorder.next('the local append', (e) => e.highestModseq === stored.modseq);
    await waitFor('the failure to be counted', () => bus.stats.publishFailures >= 1);
    const metric = await kernel.metrics.registry.getSingleMetricAsString(
      'mailwright_mailbox_events_publish_failures_total',
    );
    assert.match(metric, /^mailwright_mailbox_events_publish_failures_total [1-9]/m);
    assert.equal((await storage.mail.getFolder(alice, 'INBOX'))!.messages, 1);

    // Back: the bus subscribes again by itself, and publishes reach the other processes.
    redisServer = await startRedisServer({ dir });
    const admin = new Redis(redisOptionsFromUrl(redisServer.url));
    try {
      await waitFor('the bus to subscribe again', async () => (await admin.call('PUBSUB', 'NUMPAT')) === 1);
      const watcher = new Redis(redisOptionsFromUrl(redisServer.url));
      const published: string[] = [];
      watcher.on('pmessage', (_pattern, _channel, message) => published.push(message));
      await watcher.psubscribe('mw:mailbox:*');
      const again = await appendToFolder(storage, alice, 'INBOX', body('after the outage'));
      await waitFor('the event on Redis', () =>
        published.some((m) => m.includes(`"highestModseq":${again.modseq}`)),
      );
      watcher.disconnect();
    } finally {
      admin.disconnect();
    }
    recorder.unsubscribe();
  });
});
