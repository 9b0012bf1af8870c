/**
 * `mailwright start` supervises its front: the front runs in a child process that is started again
 * when it dies (SIGKILL here, as an out-of-memory kill or a crash would), with its embedded Redis
 * taken over cleanly; SIGTERM to the supervisor stops everything; a front that cannot start makes the
 * supervisor exit with its error instead of retrying forever.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { everyBuiltinListenerOnAFreePort } from '../helpers/builtin-listeners.js';
import { startServer, type RunningServer, isRunning, redisServersFor } from '../helpers/cli-process.js';
import { waitFor } from '../helpers/queue-testbed.js';

/** Front pids announced so far (`mailwright ready (pid N)`), in order. */
function frontPids(server: RunningServer): number[] {
  return [...server.output().matchAll(/^mailwright ready \(pid (\d+)\)$/gm)].map((m) => Number(m[1]));
}

/** A listener's port in the front's latest start-up report (port 0 is a new port on each start). */
function latestPort(server: RunningServer, listener: string): number {
  const reports = server.output().split(/^mailwright \S+: role /m);
  const match = new RegExp(`^ {2}${listener}\\s+\\S+:(\\d+)\\s`, 'm').exec(reports.at(-1)!);
  assert.ok(match, `no ${listener} in the latest report:\n${server.output()}`);
  return Number(match[1]);
}

function smtpGreeting(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.setTimeout(5_000, () => socket.destroy(new Error('no greeting')));
    socket.once('data', (chunk) => {
      socket.end('QUIT\r\n');
      resolve(chunk.toString());
    });
    socket.on('error', reject);
  });
}

describe('mailwright start supervises its front process', () => {
  const homes: string[] = [];
  after(async () => {
    for (const home of homes) await rm(home, { recursive: true, force: true });
  });

  it('a front killed with SIGKILL is started again and serves; SIGTERM then stops everything', async () => {
    const home = await mkdtemp(path.join(tmpdir(), 'mw-supervised-'));
    homes.push(home);
    const server = await startServer(['--home', home, ...(await everyBuiltinListenerOnAFreePort())], {
      timeoutMs: 40_000,
    });
    try {
      const [first] = frontPids(server);
      assert.ok(first && first !== server.child.pid && isRunning(first), 'the front is a child process');
      assert.match(await smtpGreeting(latestPort(server, 'smtp')), /^220 /);

      process.kill(first, 'SIGKILL');
      const second = await waitFor('a new front', () => frontPids(server)[1], 40_000);
      assert.notEqual(second, first);
      assert.match(server.output(), /^front process exited \(SIGKILL\); restarting it in \d+ ms$/m);
      assert.match(await smtpGreeting(latestPort(server, 'smtp')), /^220 /);
      assert.equal(redisServersFor(home).length, 1, 'the killed front’s redis-server was taken over');

      assert.equal(await server.stop('SIGTERM'), 0, server.output());
      assert.equal(isRunning(second), false, 'the front is gone');
      assert.deepEqual(redisServersFor(home), [], 'the embedded redis-server is gone');
    } finally {
      if (server.child.exitCode === null) await server.stop('SIGKILL');
    }
  });

  it('a front that cannot start makes the supervisor exit with its error', async () => {
    const home = await mkdtemp(path.join(tmpdir(), 'mw-supervised-'));
    homes.push(home);
    await assert.rejects(startServer(['--home', home, '--listen', 'smtp=not-an-address']), (err: Error) => {
      assert.match(err.message, /exited with 1 before it was ready/);
      assert.match(err.message, /"not-an-address" is not HOST:PORT/);
      assert.doesNotMatch(err.message, /restarting/);
      return true;
    });
  });
});
