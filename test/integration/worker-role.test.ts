/**
 * Roles as separate processes: `mailwright start --role front` (SMTP in, queue without workers)
 * and `--role worker` processes sharing one storage (each adapter in turn) and one Redis. Real processes, real
 * sockets, and a worker killed with SIGKILL in the middle of a delivery.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Storage } from '../../core/index.js';
import { openConfiguredStorage } from '../../core/kernel/storage-open.js';
import { ADAPTER_NAMES, type AdapterName, type TestStorage } from '../helpers/adapters.js';
import { useAdapterInfra } from '../helpers/adapter-infra.js';
import { startServer, type RunningServer } from '../helpers/cli-process.js';
import { waitFor } from '../helpers/queue-testbed.js';
import { sendSubject } from '../helpers/smtp-client.js';

/** Seconds a worker holds a job before another may take it over: short, so takeover is quick. */
const LOCK_DURATION = 1;
const ALICE = { domain: 'example.org', name: 'alice' };

/**
 * A minimal SMTP server (plain text, no extensions) that can hold its 354 reply to DATA, so a test
 * can kill the client while the transaction is open. A message counts as delivered only once the
 * final dot arrived and the 250 reply was written on a connection still open: a transaction the
 * client never finished is not a delivery.
 */
class HoldingSink {
  /** Bodies of completed transactions, in order. */
  readonly delivered: string[] = [];
  /** DATA commands currently waiting for their 354. */
  held = 0;
  /** Connections closed by the client while a DATA was held. */
  abandoned = 0;
  hold = false;
  private readonly server: Server = createServer((socket) => this.session(socket));
  private readonly sockets = new Set<Socket>();

  listen(): Promise<number> {
    return new Promise((resolve) =>
      this.server.listen(0, '127.0.0.1', () => resolve((this.server.address() as AddressInfo).port)),
    );
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private session(socket: Socket): void {
    this.sockets.add(socket);
    let buffer = '';
    let body: string | undefined;
    let holding = false;
    const reply = (line: string, then?: () => void): void =>
      void socket.write(`${line}\r\n`, (err) => !err && !socket.destroyed && then?.());
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.sockets.delete(socket);
      if (holding) {
        this.held--;
        this.abandoned++;
      }
    });
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (;;) {
        if (body !== undefined) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          const message = body + buffer.slice(0, end + 2);
          buffer = buffer.slice(end + 5);
          body = undefined;
          reply('250 2.0.0 accepted', () => this.delivered.push(message));
          continue;
        }
        const eol = buffer.indexOf('\r\n');
        if (eol < 0) return;
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') reply('250 sink.test');
        else if (verb === 'QUIT') reply('221 bye', () => socket.end());
        else if (verb !== 'DATA') reply('250 ok');
        else if (!this.hold) {
          body = '';
          reply('354 go ahead');
        } else {
          holding = true;
          this.held++;
          const release = setInterval(() => {
            if (this.hold || socket.destroyed) return;
            clearInterval(release);
            holding = false;
            this.held--;
            body = '';
            reply('354 go ahead');
          }, 20);
          socket.once('close', () => clearInterval(release));
        }
      }
    });
    reply('220 sink.test ESMTP');
  }
}

const infra = useAdapterInfra('worker-role');

for (const adapter of ADAPTER_NAMES) describeRoles(adapter);

function describeRoles(adapter: AdapterName): void {
  describe(`roles on the ${adapter} storage adapter: front and worker processes sharing storage and Redis`, () => {
    let dir: string;
    let testStorage: TestStorage;
    let storage: Storage;
    let sink: HoldingSink;
    let front: RunningServer;
    let frontConfig: string;
    let workerConfig: string;
    const workers = new Set<RunningServer>();

    const startWorker = async (): Promise<RunningServer> => {
      const worker = await startServer(['--config', workerConfig, '--role', 'worker']);
      workers.add(worker);
      return worker;
    };
    const stopWorker = async (worker: RunningServer, signal: NodeJS.Signals): Promise<number | null> => {
      const code = await worker.stop(signal);
      workers.delete(worker);
      return code;
    };
    const send = (to: string[], subject: string): Promise<string> =>
      sendSubject(front.ports.get('smtp'), to, subject);
    const inboxCopies = async (subject: string): Promise<number> =>
      (await storage.mail.listMessages(ALICE, 'INBOX')).filter((m) => m.envelope.subject === subject).length;
    const sinkCopies = (subject: string): number =>
      sink.delivered.filter((body) => body.includes(`Subject: ${subject}\r\n`)).length;

    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'mw-roles-'));
      sink = new HoldingSink();
      const sinkPort = await sink.listen();
      testStorage = await infra().storages.open(adapter);
      const storageUrl = testStorage.url;
      storage = await openConfiguredStorage({ storage: storageUrl }, dir, dir);
      await storage.domains.addDomain('example.org');
      await storage.accounts.addAccount({ ...ALICE, kind: 'user', credential: { scheme: 'none' }, vars: [] });

      const queue = {
        prefix: `roles-test-${adapter}`,
        hostname: 'worker.example.org',
        lockDuration: LOCK_DURATION,
        remotePort: sinkPort,
        dns: { mx: { 'remote.test': [{ exchange: '127.0.0.1', priority: 10 }] } },
      };
      // One home for every process: it holds the server key (secret.key) they must agree on.
      const shared = {
        home: path.join(dir, 'home'),
        storage: storageUrl,
        redis: { url: infra().redis.url },
        logging: { level: 'warn' },
      };
      // Two configs: the worker loads no protocol plugin at all.
      frontConfig = path.join(dir, 'front.yaml');
      workerConfig = path.join(dir, 'worker.yaml');
      await writeFile(
        frontConfig,
        JSON.stringify({
          ...shared,
          plugins: { queue, smtp: { hostname: 'mx.example.org', reverseDns: false } },
          listen: { smtp: '127.0.0.1:0', submission: '127.0.0.1:0', smtps: '127.0.0.1:0' },
        }),
      );
      await writeFile(workerConfig, JSON.stringify({ ...shared, plugins: { queue } }));
      front = await startServer(['--config', frontConfig, '--role', 'front']);
    });

    after(async () => {
      for (const worker of workers) await worker.stop('SIGKILL');
      await front?.stop();
      await sink?.close();
      await storage?.close();
      await testStorage?.cleanup();
      await rm(dir, { recursive: true, force: true });
    });

    it('the front accepts mail and the worker process delivers it; without a worker it waits', async () => {
      assert.match(front.output(), /role front/);
      assert.ok(front.ports.get('smtp'), 'the front announces its SMTP listener');

      const worker = await startWorker();
      assert.match(worker.output(), /role worker/);
      assert.equal(worker.ports.size, 0, 'a worker opens no listener');
      assert.match(await send(['alice@example.org'], 'while the worker runs'), /^250 /);
      await waitFor('delivery by the worker', async () => (await inboxCopies('while the worker runs')) === 1);

      assert.equal(await stopWorker(worker, 'SIGTERM'), 0, 'the worker stops cleanly');
      assert.match(await send(['alice@example.org'], 'while no worker runs'), /^250 /);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      assert.equal(await inboxCopies('while no worker runs'), 0, 'the front delivers nothing itself');

      await startWorker();
      await waitFor(
        'delivery once a worker is back',
        async () => (await inboxCopies('while no worker runs')) === 1,
      );
    });

    it('a worker killed with SIGKILL in the middle of DATA: another one delivers each copy exactly once', async () => {
      const worker = await startWorker();
      for (const other of [...workers].filter((w) => w !== worker)) await stopWorker(other, 'SIGTERM');
      sink.hold = true;
      const subject = 'killed mid-delivery';
      // Alice's local copy is stored before the remote transaction starts.
      assert.match(await send(['alice@example.org', 'bob@remote.test'], subject), /^250 /);
      await waitFor('the worker to be in DATA at the sink', () => sink.held === 1);
      assert.equal(await inboxCopies(subject), 1, 'the local copy was stored before the kill');

      const killedAt = Date.now();
      await stopWorker(worker, 'SIGKILL');
      await waitFor('the sink to see the connection drop', () => sink.abandoned === 1);
      assert.equal(sinkCopies(subject), 0, 'the interrupted transaction is not a delivery');
      sink.hold = false;

      await startWorker();
      await waitFor('the takeover and the remote delivery', () => sinkCopies(subject) === 1, 20_000);
      assert.ok(Date.now() - killedAt >= LOCK_DURATION * 1000, 'taken over only after the lock expired');
      // Long enough for a second takeover or a stray retry to show up.
      await new Promise((resolve) => setTimeout(resolve, 3 * LOCK_DURATION * 1000));
      assert.equal(sinkCopies(subject), 1, 'the sink got the message exactly once');
      assert.equal(await inboxCopies(subject), 1, 'the INBOX has it exactly once');
      const [delivered] = sink.delivered.filter((body) => body.includes(`Subject: ${subject}\r\n`));
      assert.ok(delivered.endsWith(`Subject: ${subject}\r\n\r\nbody of ${subject}\r\n`), 'bytes intact');
    });
  });
}
