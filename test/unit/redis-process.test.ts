import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { redisOptionsFromUrl, startRedisServer } from '../../core/runtime/redis-process.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('startRedisServer', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mw-redis-proc-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('starts a server that answers on its unix socket, and stop() leaves no process', async () => {
    const server = await startRedisServer({ dir });
    assert.equal(server.socketPath, join(dir, 'redis.sock'));
    assert.equal(server.url, `unix://${server.socketPath}`);
    const client = new Redis(redisOptionsFromUrl(server.url));
    try {
      await client.set('k', 'v');
      assert.equal(await client.get('k'), 'v');
      assert.deepEqual(await client.config('GET', 'maxmemory-policy'), ['maxmemory-policy', 'noeviction']);
      assert.deepEqual(await client.config('GET', 'appendonly'), ['appendonly', 'no']);
    } finally {
      client.disconnect();
    }
    assert.ok(isAlive(server.pid));
    await server.stop();
    assert.ok(!isAlive(server.pid), 'the redis-server process is gone');
    await server.stop(); // idempotent
  });

  it('turns on appendfsync always with appendOnly', async () => {
    const server = await startRedisServer({ dir, appendOnly: true });
    try {
      const client = new Redis(redisOptionsFromUrl(server.url));
      try {
        assert.deepEqual(await client.config('GET', 'appendonly'), ['appendonly', 'yes']);
        assert.deepEqual(await client.config('GET', 'appendfsync'), ['appendfsync', 'always']);
      } finally {
        client.disconnect();
      }
    } finally {
      await server.stop();
    }
    assert.ok(!isAlive(server.pid));
  });

  it('puts the socket under os.tmpdir() when dir is too deep for a unix socket path', async () => {
    const deep = join(dir, 'd'.repeat(60), 'e'.repeat(60));
    await mkdir(deep, { recursive: true });
    const server = await startRedisServer({ dir: deep });
    try {
      assert.ok(Buffer.byteLength(server.socketPath) <= 107);
      assert.ok(server.socketPath.startsWith(tmpdir()));
      const client = new Redis(redisOptionsFromUrl(server.url));
      try {
        assert.equal(await client.ping(), 'PONG');
        assert.deepEqual(await client.config('GET', 'dir'), ['dir', deep]);
      } finally {
        client.disconnect();
      }
    } finally {
      await server.stop();
    }
    assert.ok(!existsSync(server.socketPath), 'the fallback socket directory is removed');
  });

  it('says how to install redis-server when it is not on PATH', async () => {
    const savedPath = process.env.PATH;
    process.env.PATH = join(dir, 'empty-bin');
    try {
      await assert.rejects(startRedisServer({ dir }), {
        message:
          'redis-server is not installed: run "apt-get install -y redis-server" (Debian) or set redis.url in the config',
      });
    } finally {
      process.env.PATH = savedPath;
    }
  });

  it('reports redis-server stderr when it cannot start', async () => {
    await assert.rejects(
      startRedisServer({ dir: join(dir, 'no-such-dir') }),
      /redis-server exited during startup:\n.*/s,
    );
  });
});

describe('redisOptionsFromUrl', () => {
  it('reads unix, redis and rediss URLs', () => {
    assert.deepEqual(redisOptionsFromUrl('unix:///tmp/x/redis.sock?db=2'), {
      path: '/tmp/x/redis.sock',
      db: 2,
    });
    assert.deepEqual(redisOptionsFromUrl('/tmp/x/redis.sock'), { path: '/tmp/x/redis.sock' });
    assert.deepEqual(redisOptionsFromUrl('redis://:s%40cret@10.0.0.1:6380/3'), {
      password: 's@cret',
      host: '10.0.0.1',
      port: 6380,
      db: 3,
    });
    assert.deepEqual(redisOptionsFromUrl('rediss://u:p@h'), {
      username: 'u',
      password: 'p',
      tls: {},
      host: 'h',
      port: 6379,
    });
    assert.throws(() => redisOptionsFromUrl('http://h'), /unsupported Redis URL/);
  });
});
