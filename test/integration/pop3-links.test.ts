import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  appendToFolder,
  DeliveryQueueToken,
  Kernel,
  NotFoundError,
  Pop3LinkAdminToken,
  type Pop3LinkAdmin,
  SecretBoxToken,
  Tokens,
  type AccountKey,
  type LogEvent,
  type Storage,
} from '../../core/index.js';
import { directorySetup, type DirectorySetup } from '../helpers/directory-setup.js';
import { mailwrightConfigSchema } from '../../core/config/schema.js';
import { startRedisServer, type RedisProcess } from '../../core/runtime/redis-process.js';
import { pop3LinksConfigSchema } from '../../plugins/pop3-links/config.js';
import { fetchLink } from '../../plugins/pop3-links/fetch-link.js';
import { homePaths } from '../../core/runtime/home.js';
import { ADAPTER_NAMES, type AdapterName, type TestStorage } from '../helpers/adapters.js';
import { useAdapterInfra, type AdapterInfra } from '../helpers/adapter-infra.js';
import { quietLogger } from '../helpers/logger.js';
import { waitFor } from '../helpers/queue-testbed.js';

/** Set in the child process of the crash test: it runs one fetch and is killed in the middle. */
const CHILD_SETTINGS = process.env.MW_POP3_LINKS_CHILD;

const INTERVAL = 0.3;
const MAX_BACKOFF = 1.2;

const BODIES: Buffer[] = [
  Buffer.from(
    'From: x@remote.test\r\nSubject: dots\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nafter a lone dot\r\nlast\r\n',
  ),
  Buffer.concat([
    Buffer.from('From: y@remote.test\r\nSubject: 8bit\r\n\r\nGr'),
    Buffer.from([0xfc, 0xdf]),
    Buffer.from('e\r\n.\r\n'),
  ]),
  bigBody(3 * 1024 * 1024),
];

function bigBody(octets: number): Buffer {
  const lines = ['From: z@remote.test', 'Subject: big', ''];
  let size = 0;
  for (let i = 0; size < octets; i++) {
    const line = (i % 501 === 0 ? '.' : '') + `line ${i} `.padEnd(76, 'x');
    lines.push(line);
    size += line.length + 2;
  }
  return Buffer.from(lines.join('\r\n') + '\r\n');
}

interface Instance {
  dir: string;
  redis: RedisProcess;
  kernel: Kernel;
  storage: Storage;
  close(): Promise<void>;
}

/** `storage`: a fresh storage from the test file's TestStorages; by default files in the home dir. */
async function startInstance(
  name: string,
  config: Record<string, unknown>,
  storage?: TestStorage,
): Promise<Instance> {
  const home = await mkdtemp(path.join(tmpdir(), `mw-${name}-`));
  const redis = await startRedisServer({ dir: home });
  const kernel = await Kernel.create({
    config: mailwrightConfigSchema.parse({
      storage: storage?.url ?? `file:${path.join(home, 'mail')}`,
      redis: { url: redis.url },
      ...config,
    }),
    home,
    logger: quietLogger(),
  });
  await kernel.start();
  return {
    dir: home,
    redis,
    kernel,
    storage: kernel.container.resolve(Tokens.Storage),
    close: async () => {
      await kernel.stop();
      await redis.stop();
      await storage?.cleanup();
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** The "remote" Mailwright: POP3 only, APOP possible (legacy secrets), two domains. */
async function startRemote(): Promise<Instance & { pop3: number; pop3s: number; ca: string }> {
  const remote = await startInstance('links-remote', {
    legacySecrets: true,
    plugins: { pop3: { plaintextAuth: 'anywhere' } },
    listen: { pop3: '127.0.0.1:0', pop3s: '127.0.0.1:0' },
  });
  const port = (name: string) =>
    remote.kernel.listeners.find((listener) => listener.name === name)!.address.port;
  // The self-signed certificate (key and certificate in one file): the certificate is the CA.
  const pem = await readFile(path.join(homePaths(remote.dir).tls, 'self-signed.pem'), 'latin1');
  const ca = path.join(remote.dir, 'ca.pem');
  await writeFile(ca, /-----BEGIN CERTIFICATE-----[^]*?-----END CERTIFICATE-----\n?/.exec(pem)![0]);
  const directory = directorySetup(remote.kernel.container);
  await directory.addDomain('remote.test');
  await directory.addDomain('apop.test');
  return { ...remote, pop3: port('pop3'), pop3s: port('pop3s'), ca };
}

function localConfig(
  remote: { pop3: number; pop3s: number; ca: string },
  links: Record<string, unknown> = {},
) {
  return {
    plugins: {
      queue: { prefix: 'links', hostname: 'mx.local.test', lockDuration: 2 },
      'pop3-links': {
        intervalSeconds: INTERVAL,
        maxBackoffSeconds: MAX_BACKOFF,
        timeoutSeconds: 5,
        hostname: 'mx.local.test',
        servers: {
          'remote.test': {
            host: '127.0.0.1',
            port: remote.pop3,
            login: 'address',
            security: 'starttls',
            ca: remote.ca,
          },
          'apop.test': {
            host: '127.0.0.1',
            port: remote.pop3s,
            login: 'address',
            security: 'implicit',
            ca: remote.ca,
          },
        },
        ...links,
      },
    },
  };
}

function admin(instance: Instance): Pop3LinkAdmin {
  return instance.kernel.container.resolve(Pop3LinkAdminToken);
}

async function put(storage: Storage, owner: AccountKey, body: Buffer): Promise<void> {
  await appendToFolder(storage, owner, 'INBOX', body);
}

async function inbox(storage: Storage, owner: AccountKey): Promise<Buffer[]> {
  // An account's INBOX exists from its first delivery on.
  const messages = await storage.mail.listMessages(owner, 'INBOX').catch((err: unknown) => {
    if (err instanceof NotFoundError) return [];
    throw err;
  });
  return Promise.all(
    messages.map(async (message) => {
      const chunks: Buffer[] = [];
      for await (const chunk of await storage.blobs.openBlob(message.blobId)) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    }),
  );
}

/** The original after the one Received header the fetch adds; fails if anything else differs. */
function withoutTrace(stored: Buffer, local: string, remoteDomain = 'remote.test'): Buffer {
  const text = stored.toString('latin1');
  const header = String.raw`^Received: from ${remoteDomain.replaceAll('.', '\\.')} \(\[127\.0\.0\.1\]\)\r\n\tby mx\.local\.test \(Mailwright\) with POP3 id \w+\r\n\tfor <([^>]+)>; [^\r\n]+\r\n`;
  const match = new RegExp(header).exec(text);
  assert.ok(match, `trace header of: ${text.slice(0, 300)}`);
  assert.equal(match[1], local);
  return stored.subarray(match[0].length);
}

function sortBuffers(buffers: Buffer[]): Buffer[] {
  return [...buffers].sort(Buffer.compare);
}

const key = (address: string): AccountKey => {
  const [name, domain] = address.split('@');
  return { name, domain };
};

if (CHILD_SETTINGS) {
  await runOneFetchInChild(JSON.parse(CHILD_SETTINGS) as ChildSettings);
} else {
  // The fetching (local) side runs on every storage adapter; the remote side keeps files.
  const infra = useAdapterInfra('links');
  for (const adapter of ADAPTER_NAMES) describeLinks(adapter, infra);
}

function describeLinks(adapter: AdapterName, infra: () => AdapterInfra): void {
  const openStorage = (): Promise<TestStorage> => infra().storages.open(adapter);
  describe(`POP3 links fetching from a second Mailwright into ${adapter} storage`, () => {
    let remote: Awaited<ReturnType<typeof startRemote>>;
    let remoteDirectory: DirectorySetup;

    before(async () => {
      remote = await startRemote();
      remoteDirectory = directorySetup(remote.kernel.container);
    });
    after(async () => {
      await remote?.close();
    });

    describe('deleting fetched messages (the default)', () => {
      let local: Instance;
      let links: Pop3LinkAdmin;

      before(async () => {
        local = await startInstance('links-local', localConfig(remote), await openStorage());
        const directory = directorySetup(local.kernel.container);
        await directory.addDomain('local.test');
        for (const user of ['alice', 'dave', 'gina'])
          await directory.addUser(`${user}@local.test`, 'local password');
        links = admin(local);
      });
      after(async () => {
        await local?.close();
      });

      it('delivers every message byte-identical through the queue and empties the remote maildrop (USER/PASS over STLS)', async () => {
        await remoteDirectory.addUser('bob@remote.test', 'bob secret');
        for (const body of BODIES) await put(remote.storage, key('bob@remote.test'), body);
        await links.addPop3Link({
          local: key('alice@local.test'),
          remoteDomain: 'remote.test',
          remoteUser: 'bob',
          password: 'bob secret',
          auth: 'CLR',
        });

        const fetched = await waitFor('alice to get 3 messages', async () => {
          const messages = await inbox(local.storage, key('alice@local.test'));
          return messages.length >= 3 && messages;
        });
        assert.deepEqual(
          sortBuffers(fetched.map((m) => withoutTrace(m, 'alice@local.test'))),
          sortBuffers(BODIES),
        );
        await waitFor(
          'the remote maildrop to be empty',
          async () => (await remote.storage.mail.listMessages(key('bob@remote.test'), 'INBOX')).length === 0,
        );
        const [link] = await local.storage.pop3Links.listLinks(key('alice@local.test'));
        await waitFor(
          'the seen UIDLs to be forgotten',
          async () => (await local.storage.pop3Links.seenUidls(link)).size === 0,
        );
        assert.equal((await inbox(local.storage, key('alice@local.test'))).length, 3);
      });

      it('logs in with APOP over implicit TLS', async () => {
        await remoteDirectory.addUser('carol@apop.test', 'carol secret');
        await put(remote.storage, key('carol@apop.test'), BODIES[0]);
        await links.addPop3Link({
          local: key('dave@local.test'),
          remoteDomain: 'apop.test',
          remoteUser: 'carol',
          password: 'carol secret',
          auth: 'APOP',
        });
        const [message] = await waitFor('dave to get the message', async () => {
          const messages = await inbox(local.storage, key('dave@local.test'));
          return messages.length > 0 && messages;
        });
        assert.deepEqual(withoutTrace(message, 'dave@local.test', 'apop.test'), BODIES[0]);
        await waitFor(
          'the remote maildrop to be empty',
          async () => (await remote.storage.mail.listMessages(key('carol@apop.test'), 'INBOX')).length === 0,
        );
      });

      it('does not fetch a disabled link until it is enabled again', async () => {
        await remoteDirectory.addUser('frank@remote.test', 'frank secret');
        await put(remote.storage, key('frank@remote.test'), BODIES[1]);
        // The link exists before its local account (XMail allows it), so no tick can fetch it
        // between poplnkadd and poplnkenable 0.
        await links.addPop3Link({
          local: key('eve@local.test'),
          remoteDomain: 'remote.test',
          remoteUser: 'frank',
          password: 'frank secret',
          auth: 'CLR',
        });
        await links.setPop3LinksEnabled(false, key('eve@local.test'));
        await directorySetup(local.kernel.container).addUser('eve@local.test', 'local password');
        await new Promise((resolve) => setTimeout(resolve, INTERVAL * 1000 * 5));
        assert.equal((await inbox(local.storage, key('eve@local.test'))).length, 0);
        assert.equal((await remote.storage.mail.listMessages(key('frank@remote.test'), 'INBOX')).length, 1);

        await links.setPop3LinksEnabled(true, key('eve@local.test'));
        await waitFor(
          'eve to get the message',
          async () => (await inbox(local.storage, key('eve@local.test'))).length === 1,
        );
      });

      it('logs a wrong remote password in the Errors log and retries with a doubling back-off', async () => {
        await remoteDirectory.addUser('hank@remote.test', 'hank secret');
        await put(remote.storage, key('hank@remote.test'), BODIES[0]);
        const since = new Date();
        await links.addPop3Link({
          local: key('gina@local.test'),
          remoteDomain: 'remote.test',
          remoteUser: 'hank',
          password: 'wrong',
          auth: 'CLR',
        });
        const failures = await waitFor(
          'four failed attempts',
          async () => {
            const events = (await local.storage.events.readEvents('Errors', since)).filter(
              (e) => e.params.Address === 'hank@remote.test',
            );
            return events.length >= 4 && events;
          },
          15_000,
        );
        const delays = failures.slice(0, 4).map((event: LogEvent) => {
          assert.equal(event.type, 'LoginFailure');
          assert.equal(event.params.Mailbox, 'gina@local.test');
          return Date.parse(event.params.NextAttempt) - event.time.getTime();
        });
        assert.deepEqual(
          failures.slice(0, 4).map((e) => e.params.Failures),
          ['1', '2', '3', '4'],
        );
        // 0.3 s, 0.6 s, 1.2 s, then capped at 1.2 s. The event is written a moment after the next
        // attempt was scheduled, so the delay it shows is a little shorter (more on a busy machine),
        // never longer; 250 ms of slack still tells each doubling apart.
        for (const [i, expected] of [300, 600, 1200, 1200].entries()) {
          assert.ok(
            delays[i] > expected - 250 && delays[i] <= expected + 20,
            `delay ${i + 1}: ${delays[i]} ms, expected ${expected}`,
          );
        }
        // The attempts really were that far apart.
        const gap = failures[3].time.getTime() - failures[2].time.getTime();
        assert.ok(gap >= 1100, `third to fourth attempt: ${gap} ms`);
        assert.equal((await remote.storage.mail.listMessages(key('hank@remote.test'), 'INBOX')).length, 1);
        assert.equal((await inbox(local.storage, key('gina@local.test'))).length, 0);
      });
    });

    describe('leaving messages on the server', () => {
      let local: Instance;

      before(async () => {
        local = await startInstance(
          'links-leave',
          localConfig(remote, { leaveOnServer: true }),
          await openStorage(),
        );
        const directory = directorySetup(local.kernel.container);
        await directory.addDomain('local.test');
        await directory.addUser('ivan@local.test', 'local password');
      });
      after(async () => {
        await local?.close();
      });

      it('keeps the remote copies and fetches each UIDL only once', async () => {
        await remoteDirectory.addUser('judy@remote.test', 'judy secret');
        for (const body of BODIES.slice(0, 2)) await put(remote.storage, key('judy@remote.test'), body);
        await admin(local).addPop3Link({
          local: key('ivan@local.test'),
          remoteDomain: 'remote.test',
          remoteUser: 'judy',
          password: 'judy secret',
          auth: 'CLR',
        });
        await waitFor(
          'ivan to get 2 messages',
          async () => (await inbox(local.storage, key('ivan@local.test'))).length >= 2,
        );
        const [link] = await local.storage.pop3Links.listLinks(key('ivan@local.test'));
        assert.equal((await local.storage.pop3Links.seenUidls(link)).size, 2);

        // Several more sessions run; none fetches them again.
        await new Promise((resolve) => setTimeout(resolve, INTERVAL * 1000 * 5));
        assert.equal((await remote.storage.mail.listMessages(key('judy@remote.test'), 'INBOX')).length, 2);
        assert.equal((await inbox(local.storage, key('ivan@local.test'))).length, 2);

        // A new remote message is fetched, the old ones still not.
        await put(remote.storage, key('judy@remote.test'), BODIES[2]);
        await waitFor(
          'ivan to get the third message',
          async () => (await inbox(local.storage, key('ivan@local.test'))).length >= 3,
        );
        await new Promise((resolve) => setTimeout(resolve, INTERVAL * 1000 * 3));
        const messages = await inbox(local.storage, key('ivan@local.test'));
        assert.deepEqual(
          sortBuffers(messages.map((m) => withoutTrace(m, 'ivan@local.test'))),
          sortBuffers(BODIES),
        );
      });
    });

    describe('a crash between the local delivery and the remote DELE', () => {
      let dir: string;
      let storage: TestStorage | undefined;
      let proxy: DeleKillProxy;

      before(async () => {
        dir = await mkdtemp(path.join(tmpdir(), 'mw-links-crash-'));
        storage = await openStorage();
        proxy = await DeleKillProxy.start(remote.pop3);
      });
      after(async () => {
        await proxy?.close();
        await storage?.cleanup();
        await rm(dir, { recursive: true, force: true });
      });

      it('delivers the message exactly once and deletes it remotely on the next run', async () => {
        await remoteDirectory.addUser('kate@remote.test', 'kate secret');
        for (const body of BODIES.slice(0, 2)) await put(remote.storage, key('kate@remote.test'), body);
        // Through the proxy, in clear (so it sees the commands); the queue gets no worker yet.
        const config = localConfig(remote);
        (config.plugins['pop3-links'] as { servers: unknown }).servers = {
          'remote.test': { host: '127.0.0.1', port: proxy.port, login: 'address', security: 'none' },
        };
        const redis = await startRedisServer({ dir });
        const settings: ChildSettings = { home: dir, storage: storage!.url, redisUrl: redis.url, config };
        try {
          // Prepare the local side with a front-only kernel (no queue workers, no fetcher).
          const front = await childKernel(settings);
          const directory = directorySetup(front.container);
          await directory.addDomain('local.test');
          await directory.addUser('leo@local.test', 'local password');
          const storage = front.container.resolve(Tokens.Storage);
          await admin({ kernel: front, storage } as Instance).addPop3Link({
            local: key('leo@local.test'),
            remoteDomain: 'remote.test',
            remoteUser: 'kate',
            password: 'kate secret',
            auth: 'CLR',
          });
          await front.stop();

          const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
            env: { ...process.env, MW_POP3_LINKS_CHILD: JSON.stringify(settings) },
            stdio: ['ignore', 'ignore', 'inherit'],
          });
          proxy.victim = child;
          const exit = await new Promise<NodeJS.Signals | null>((resolve) =>
            child.once('exit', (_code, signal) => resolve(signal)),
          );
          assert.equal(exit, 'SIGKILL', 'the fetcher was killed when it sent DELE');
          assert.equal(proxy.deleSeen, 'DELE 1');
          // The first message is in the queue and marked seen; both are still on the server.
          assert.equal((await remote.storage.mail.listMessages(key('kate@remote.test'), 'INBOX')).length, 2);

          // Recovery: a full local instance (queue worker + fetcher) on the same storage and Redis.
          proxy.victim = undefined;
          const kernel = await Kernel.create({
            config: mailwrightConfigSchema.parse({
              storage: settings.storage,
              redis: { url: redis.url },
              ...config,
            }),
            home: dir,
            logger: quietLogger(),
          });
          await kernel.start();
          try {
            const localStorage = kernel.container.resolve(Tokens.Storage);
            await waitFor(
              'the remote maildrop to be empty',
              async () =>
                (await remote.storage.mail.listMessages(key('kate@remote.test'), 'INBOX')).length === 0,
            );
            await waitFor(
              'leo to get 2 messages',
              async () => (await inbox(localStorage, key('leo@local.test'))).length >= 2,
            );
            await new Promise((resolve) => setTimeout(resolve, INTERVAL * 1000 * 4));
            const messages = await inbox(localStorage, key('leo@local.test'));
            assert.deepEqual(
              sortBuffers(messages.map((m) => withoutTrace(m, 'leo@local.test'))),
              sortBuffers(BODIES.slice(0, 2)),
            );
          } finally {
            await kernel.stop();
          }
        } finally {
          await redis.stop();
        }
      });
    });
  });
}

interface ChildSettings {
  home: string;
  /** The local side's `storage` URL, shared by the child and the recovering kernel. */
  storage: string;
  redisUrl: string;
  config: ReturnType<typeof localConfig>;
}

/** The local side without workers: the queue accepts jobs, nothing delivers or fetches. */
async function childKernel(settings: ChildSettings): Promise<Kernel> {
  const { 'pop3-links': _fetcher, ...plugins } = settings.config.plugins;
  const kernel = await Kernel.create({
    config: mailwrightConfigSchema.parse({
      storage: settings.storage,
      redis: { url: settings.redisUrl },
      plugins,
    }),
    home: settings.home,
    role: 'front',
    logger: quietLogger(),
  });
  await kernel.start();
  return kernel;
}

/** The child: one fetch of the one link, with the plugin's own fetch code, until it is killed. */
async function runOneFetchInChild(settings: ChildSettings): Promise<void> {
  const kernel = await childKernel(settings);
  const storage = kernel.container.resolve(Tokens.Storage);
  const [link] = await storage.pop3Links.listLinks();
  await fetchLink(link, {
    config: pop3LinksConfigSchema.parse(settings.config.plugins['pop3-links']),
    storage,
    queue: kernel.container.resolve(DeliveryQueueToken),
    secrets: kernel.container.resolve(SecretBoxToken),
    logger: quietLogger(),
  });
  await kernel.stop();
}

/**
 * A TCP relay to the remote POP3 server that SIGKILLs `victim` the moment it sends DELE, and does
 * not pass the DELE on: the fetcher dies after its local delivery, before the remote deletion.
 */
class DeleKillProxy {
  victim: ChildProcess | undefined;
  deleSeen: string | undefined;
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(target: number): Promise<DeleKillProxy> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = new DeleKillProxy(server, (server.address() as net.AddressInfo).port);
    server.on('connection', (client) => proxy.relay(client, target));
    return proxy;
  }

  private relay(client: net.Socket, target: number): void {
    const upstream = net.connect(target, '127.0.0.1');
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket
        .on('error', () => undefined)
        .on('close', () => {
          this.sockets.delete(socket);
          client.destroy();
          upstream.destroy();
        });
    }
    upstream.pipe(client);
    client.on('data', (chunk: Buffer) => {
      const dele = /^DELE [^\r\n]*/m.exec(chunk.toString('latin1'));
      if (dele && this.victim) {
        this.deleSeen = dele[0];
        this.victim.kill('SIGKILL');
        client.destroy();
        upstream.destroy();
        return;
      }
      upstream.write(chunk);
    });
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
