/**
 * `workers: 1` in the config: `mailwright start` runs the front role itself and one delivery worker
 * process beside it, on the embedded Redis it started. Real processes, real SMTP, the worker killed
 * with SIGKILL and restarted, and nothing left running after SIGTERM.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Storage } from '../../core/index.js';
import { openConfiguredStorage } from '../../core/kernel/storage-open.js';
import { homePaths } from '../../core/runtime/home.js';
import { startServer, type RunningServer, isRunning } from '../helpers/cli-process.js';
import { waitFor } from '../helpers/queue-testbed.js';
import { sendSubject } from '../helpers/smtp-client.js';

const ALICE = { domain: 'example.org', name: 'alice' };

/** Worker pids announced so far, in order (`[worker 1] mailwright ready (pid N)`). */
function workerPids(server: RunningServer): number[] {
  return [...server.output().matchAll(/^\[worker 1\] mailwright ready \(pid (\d+)\)/gm)].map((m) =>
    Number(m[1]),
  );
}

describe('mailwright start with worker processes', () => {
  let dir: string;
  /** Whether a redis-server of this test's home (socket under <home>/state/redis/) is running. */
  const embeddedRedisRuns = (): boolean =>
    spawnSync('pgrep', ['-f', `redis-server.*${homePaths(path.join(dir, 'home')).redis}`]).status === 0;
  let storage: Storage;
  let server: RunningServer;

  const send = (subject: string): Promise<string> =>
    sendSubject(server.ports.get('smtp'), ['alice@example.org'], subject);
  const inboxCopies = async (subject: string): Promise<number> =>
    (await storage.mail.listMessages(ALICE, 'INBOX')).filter((m) => m.envelope.subject === subject).length;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'mw-workers-'));
    const home = path.join(dir, 'home');
    const storageUrl = `file:${path.join(dir, 'mail')}`;
    storage = await openConfiguredStorage({ storage: storageUrl }, home, dir);
    await storage.domains.addDomain('example.org');
    await storage.accounts.addAccount({ ...ALICE, kind: 'user', credential: { scheme: 'none' }, vars: [] });
    const config = path.join(dir, 'mailwright.json');
    await writeFile(
      config,
      JSON.stringify({
        home,
        storage: storageUrl,
        workers: 1,
        logging: { level: 'warn' },
        plugins: {
          queue: { prefix: 'workers-test', lockDuration: 1 },
          smtp: { hostname: 'mx.example.org', reverseDns: false },
          'admin-http': true,
        },
        listen: {
          smtp: '127.0.0.1:0',
          submission: '127.0.0.1:0',
          smtps: '127.0.0.1:0',
          'admin-http': '127.0.0.1:0',
        },
      }),
    );
    server = await startServer(['--config', config], { timeoutMs: 40_000 });
  });

  after(async () => {
    if (server?.child.exitCode === null) await server.stop('SIGKILL');
    for (const pid of workerPids(server)) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
    await storage?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('the front process accepts and its worker process delivers', async () => {
    assert.match(server.output(), /^mailwright 0\.\d+\.\d+: role front/m);
    assert.match(server.output(), /^\[worker 1\] mailwright \S+: role worker/m);
    const [worker] = workerPids(server);
    assert.ok(worker && worker !== server.child.pid && isRunning(worker), 'a separate worker process runs');
    assert.match(await send('through the worker'), /^250 /);
    await waitFor('delivery by the worker', async () => (await inboxCopies('through the worker')) === 1);
  });

  it('a worker killed with SIGKILL is restarted and delivers again', async () => {
    const [first] = workerPids(server);
    process.kill(first, 'SIGKILL');
    await waitFor('a new worker', () => workerPids(server).length === 2, 20_000);
    assert.match(server.output(), /^worker 1 exited \(SIGKILL\); restarting it in \d+ ms$/m);
    assert.match(await send('after the restart'), /^250 /);
    await waitFor('delivery by the new worker', async () => (await inboxCopies('after the restart')) === 1);
  });

  it('SIGTERM stops the worker, then the front process and its Redis', async () => {
    const pids = workerPids(server);
    assert.ok(embeddedRedisRuns(), 'the front process runs an embedded redis-server');
    assert.equal(await server.stop('SIGTERM'), 0);
    assert.match(server.output(), /^\[worker 1\] mailwright stopped$/m);
    for (const pid of pids) assert.equal(isRunning(pid), false, `worker ${pid} is gone`);
    assert.equal(embeddedRedisRuns(), false, 'the embedded redis-server is gone');
  });
});
