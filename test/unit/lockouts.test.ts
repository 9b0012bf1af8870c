import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { createStorage } from '../../storage-adapters/file/index.js';
import type { Storage } from '../../core/ports/storage.js';
import { LockoutService } from '../../core/services/lockouts.js';
import {
  redisOptionsFromUrl,
  startRedisServer,
  type RedisProcess,
} from '../../core/services/redis-process.js';

const bob = { domain: 'example.test', name: 'bob' };

describe('login lockouts (shared by every protocol, state in Redis)', () => {
  let dir: string;
  let redisServer: RedisProcess;
  let redis: Redis;
  let storage: Storage;
  let clock = 1_000_000;
  let lockouts: LockoutService;
  const yes = async () => true;
  const no = async () => false;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'mw-lockout-'));
    redisServer = await startRedisServer({ dir });
    redis = new Redis(redisOptionsFromUrl(redisServer.url));
    storage = createStorage(`file:${path.join(dir, 'store')}`);
    await storage.open();
    lockouts = new LockoutService(redis, storage.events, { threshold: 3, intervalSeconds: 60 }, () => clock);
  });
  after(async () => {
    redis.disconnect();
    await storage.close();
    await redisServer.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('locks one address out after the threshold, correct password included, while others still log in', async () => {
    for (let i = 0; i < 2; i++)
      assert.equal(await lockouts.attempt('POP3', bob, '10.0.0.1', no), 'bad-credentials');
    assert.equal(await lockouts.lockedUntil('POP3', bob, '10.0.0.1'), null);
    assert.equal(await lockouts.attempt('POP3', bob, '10.0.0.1', no), 'bad-credentials');
    assert.deepEqual(await lockouts.lockedUntil('POP3', bob, '10.0.0.1'), new Date(clock + 60_000));

    let verified = false;
    const verifying = async () => ((verified = true), true);
    assert.equal(await lockouts.attempt('POP3', bob, '10.0.0.1', verifying), 'locked-out');
    assert.equal(verified, false, 'credentials are not even checked while locked out');
    assert.equal(await lockouts.attempt('POP3', bob, '10.0.0.2', yes), 'ok');
    assert.equal(
      await lockouts.attempt('IMAP', bob, '10.0.0.1', yes),
      'ok',
      'other protocols are unaffected',
    );
    assert.deepEqual(await lockouts.latestLockout('POP3', bob), new Date(clock + 60_000));
  });

  it('lets the lockout expire on its own', async () => {
    clock += 60_001;
    assert.equal(await lockouts.lockedUntil('POP3', bob, '10.0.0.1'), null);
    assert.equal(await lockouts.latestLockout('POP3', bob), null);
    assert.equal(await lockouts.attempt('POP3', bob, '10.0.0.1', yes), 'ok');
  });

  it('counts only consecutive failures within the interval; a success resets the run', async () => {
    await lockouts.attempt('IMAP', bob, '10.0.0.3', no);
    await lockouts.attempt('IMAP', bob, '10.0.0.3', no);
    await lockouts.attempt('IMAP', bob, '10.0.0.3', yes);
    await lockouts.attempt('IMAP', bob, '10.0.0.3', no);
    assert.equal(await lockouts.lockedUntil('IMAP', bob, '10.0.0.3'), null);
    clock += 61_000; // longer than the interval: the next failure starts a new run
    await lockouts.attempt('IMAP', bob, '10.0.0.3', no);
    await lockouts.attempt('IMAP', bob, '10.0.0.3', no);
    assert.equal(await lockouts.lockedUntil('IMAP', bob, '10.0.0.3'), null);
  });

  it('is cleared by an admin reset of the account or of the address', async () => {
    for (let i = 0; i < 3; i++) await lockouts.attempt('SMTP', bob, '10.0.0.4', no);
    for (let i = 0; i < 3; i++) await lockouts.attempt('Administration', bob, '10.0.0.5', no);
    assert.ok(await lockouts.lockedUntil('SMTP', bob, '10.0.0.4'));
    await lockouts.resetAccount(bob);
    assert.equal(await lockouts.lockedUntil('SMTP', bob, '10.0.0.4'), null);
    assert.equal(await lockouts.lockedUntil('Administration', bob, '10.0.0.5'), null);
    assert.deepEqual(await redis.keys('mw:lockout:[afr]:*'), [], 'no record of the account is left');

    for (let i = 0; i < 3; i++) await lockouts.attempt('POP3', bob, '10.0.0.6', no);
    await lockouts.resetAddress('10.0.0.6');
    assert.equal(await lockouts.lockedUntil('POP3', bob, '10.0.0.6'), null);
    assert.equal(await lockouts.attempt('POP3', bob, '10.0.0.6', no), 'bad-credentials');
  });

  it('writes LoginFailure, Lockout and ResetMailbox events to the Security log', async () => {
    const events = await storage.events.readEvents('Security', new Date(0));
    const types = new Set(events.map((e) => e.type));
    for (const type of ['LoginFailure', 'Lockout', 'ResetMailbox']) assert.ok(types.has(type), type);
    const lockout = events.find((e) => e.type === 'Lockout')!;
    assert.equal(lockout.params.Address, '10.0.0.1');
    assert.equal(lockout.params.Protocol, 'POP3');
    assert.equal(lockout.params.Mailbox, 'bob@example.test');
  });

  it('shares state across connections (as across processes)', async () => {
    const connection = new Redis(redisOptionsFromUrl(redisServer.url));
    const other = new LockoutService(
      connection,
      storage.events,
      { threshold: 3, intervalSeconds: 60 },
      () => clock,
    );
    for (let i = 0; i < 3; i++) await lockouts.attempt('POP3', bob, '10.0.0.7', no);
    assert.equal(await other.attempt('POP3', bob, '10.0.0.7', yes), 'locked-out');
    connection.disconnect();
  });
});
