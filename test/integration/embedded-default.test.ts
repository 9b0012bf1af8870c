import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { builtinListeners, everyBuiltinListenerOnAFreePort } from '../helpers/builtin-listeners.js';
import { homePaths } from '../../core/runtime/home.js';
import { CLI, startServer, redisServersFor } from '../helpers/cli-process.js';

function connects(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let greeting = '';
    socket.setTimeout(2_000, () => socket.destroy());
    socket.on('data', (chunk) => {
      greeting += chunk;
      socket.destroy();
    });
    socket.on('connect', () => setTimeout(() => socket.end(), 500));
    socket.on('close', () => resolve(greeting));
    socket.on('error', reject);
  });
}

describe('embedded default (`mailwright start` with no config)', () => {
  it('starts every built-in plugin, answers on every listener, and stops cleanly on SIGTERM', async () => {
    const home = await mkdtemp(path.join(tmpdir(), 'mw-home-'));
    const listeners = [...(await builtinListeners()).keys()];
    assert.ok(listeners.includes('admin-http'));
    const server = await startServer(['--home', home, ...(await everyBuiltinListenerOnAFreePort())]);
    try {
      assert.deepEqual([...server.ports.keys()].sort(), [...listeners].sort(), server.output());
      for (const [name, port] of server.ports) {
        if (name.includes('http')) continue;
        await connects(port); // resolves only when the TCP connection was accepted
      }
      const health = await fetch(`http://127.0.0.1:${server.ports.get('admin-http')}/healthz`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok', role: 'all' });
      const metrics = await (
        await fetch(`http://127.0.0.1:${server.ports.get('admin-http')}/metrics`)
      ).text();
      assert.match(metrics, /^mailwright_messages_total\{outcome="accepted"\} 0$/m);
      assert.match(metrics, /^# TYPE mailwright_queue_depth gauge$/m);
    } finally {
      const code = await server.stop('SIGTERM');
      assert.equal(code, 0, server.output());
    }
    assert.match(server.output(), /SIGTERM: draining connections and stopping\nmailwright stopped/);
    assert.deepEqual(redisServersFor(home), [], 'the embedded redis-server is gone');
    const redisDir = homePaths(home).redis;
    if (existsSync(redisDir)) assert.ok(!(await readdir(redisDir)).includes('redis.sock'));
  });

  it('stops the embedded redis-server when a signal arrives during start-up', async () => {
    const home = await mkdtemp(path.join(tmpdir(), 'mw-home-'));
    const child = spawn(
      process.execPath,
      [CLI, 'start', '--home', home, ...(await everyBuiltinListenerOnAFreePort())],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await new Promise<void>((resolve) => {
      const watch = (chunk: Buffer) => {
        output += chunk;
        // The redis-server is up; the plugins are still starting.
        if (output.includes('started embedded redis-server')) resolve();
      };
      child.stdout.on('data', watch);
      child.stderr.on('data', watch);
      exited.then(() => resolve());
    });
    child.kill('SIGTERM');
    assert.equal(await exited, 0, output);
    assert.deepEqual(redisServersFor(home), [], 'the embedded redis-server is gone');
  });
});
