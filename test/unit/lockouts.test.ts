import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { createStorage } from '../../storage-adapters/file/index.js';
import type { Storage } from '../../core/ports/storage.js';
import { LockoutService, LoginProtocols } from '../../core/directory/lockouts.js';
import {
  redisOptionsFromUrl,
  startRedisServer,
  type RedisProcess,
} from '../../core/runtime/redis-process.js';

const bob = { domain: 'example.test', name: 'bob' };
const yes = async () => true;
const no = async () => false;

describe('login lockouts (shared by every protocol, state in Redis)', () => {
  let dir: string;
  let redisServer: RedisProcess;
  let redis: Redis;
  let storage: Storage;
  let clock = 1_000_000;
  let lockouts: LockoutService;

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

describe('login lockouts under concurrency, IPv6 networks and third-party protocols', () => {
  let dir: string;
  let redisServer: RedisProcess;
  let redis: Redis;
  let storage: Storage;
  const clock = 5_000_000;
  let lockouts: LockoutService;
  const threshold = 3;

  /** A password check that takes a while and counts how often it ran. */
  function slowCheck(result: boolean) {
    const check = async (): Promise<boolean> => {
      check.calls++;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return result;
    };
    check.calls = 0;
    return check;
  }

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'mw-lockout-race-'));
    redisServer = await startRedisServer({ dir });
    redis = new Redis(redisOptionsFromUrl(redisServer.url));
    storage = createStorage(`file:${path.join(dir, 'store')}`);
    await storage.open();
    lockouts = new LockoutService(redis, storage.events, { threshold, intervalSeconds: 60 }, () => clock);
  });
  after(async () => {
    redis.disconnect();
    await storage.close();
    await redisServer.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('checks at most `threshold` passwords however many attempts race, over separate connections', async () => {
    const connections = Array.from({ length: 4 }, () => new Redis(redisOptionsFromUrl(redisServer.url)));
    const services = connections.map(
      (connection) =>
        new LockoutService(connection, storage.events, { threshold, intervalSeconds: 60 }, () => clock),
    );
    const wrong = slowCheck(false);
    const verdicts = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        services[i % services.length].attempt('POP3', bob, '10.1.0.1', wrong),
      ),
    );
    connections.forEach((connection) => connection.disconnect());
    assert.equal(wrong.calls, threshold);
    assert.equal(verdicts.filter((v) => v === 'bad-credentials').length, threshold);
    assert.equal(verdicts.filter((v) => v === 'locked-out').length, 20 - threshold);
    const right = slowCheck(true);
    assert.equal(await lockouts.attempt('POP3', bob, '10.1.0.1', right), 'locked-out');
    assert.equal(right.calls, 0);
  });

  it('refuses while attempts are being checked, before any of them failed', async () => {
    const pending = slowCheck(false);
    const first = Array.from({ length: threshold }, () => lockouts.attempt('POP3', bob, '10.1.0.2', pending));
    const right = slowCheck(true);
    assert.equal(await lockouts.attempt('POP3', bob, '10.1.0.2', right), 'locked-out');
    assert.equal(right.calls, 0);
    await Promise.all(first);
  });

  it('ends the run on a success, so the attempts after it are admitted again', async () => {
    await lockouts.attempt('SMTP', bob, '10.1.0.3', slowCheck(false));
    await lockouts.attempt('SMTP', bob, '10.1.0.3', slowCheck(false));
    assert.equal(await lockouts.attempt('SMTP', bob, '10.1.0.3', slowCheck(true)), 'ok');
    const wrong = slowCheck(false);
    for (let i = 0; i < threshold - 1; i++) await lockouts.attempt('SMTP', bob, '10.1.0.3', wrong);
    assert.equal(wrong.calls, threshold - 1);
    assert.equal(await lockouts.lockedUntil('SMTP', bob, '10.1.0.3'), null);
  });

  it('gives the place back when the check itself fails (not a wrong password)', async () => {
    const broken = async (): Promise<boolean> => {
      throw new Error('directory unavailable');
    };
    for (let i = 0; i < threshold + 2; i++)
      await assert.rejects(lockouts.attempt('SMTP', bob, '10.1.0.4', broken), /directory unavailable/);
    assert.equal(await lockouts.attempt('SMTP', bob, '10.1.0.4', yes), 'ok');
  });

  it('counts an IPv6 client by its /64 and an IPv4-mapped client as IPv4', async () => {
    for (const address of ['2001:db8:7:1::1', '2001:db8:7:1::2', '2001:db8:7:1:ffff::3'])
      assert.equal(await lockouts.attempt('IMAP', bob, address, no), 'bad-credentials');
    assert.equal(await lockouts.attempt('IMAP', bob, '2001:db8:7:1::99', yes), 'locked-out');
    assert.ok(await lockouts.lockedUntil('IMAP', bob, '2001:db8:7:1:abcd::1'));
    assert.equal(await lockouts.lockedUntil('IMAP', bob, '2001:db8:7:2::1'), null, 'the next /64 is not');
    assert.equal(await lockouts.attempt('IMAP', bob, '2001:db8:7:2::1', yes), 'ok');

    for (let i = 0; i < threshold; i++) await lockouts.attempt('IMAP', bob, '::ffff:10.1.0.5', no);
    assert.ok(await lockouts.lockedUntil('IMAP', bob, '10.1.0.5'));

    const events = await storage.events.readEvents('Security', new Date(0));
    const lockout = events.find((e) => e.type === 'Lockout' && e.params.Address?.startsWith('2001:db8:7:1:'));
    assert.ok(lockout, 'the Lockout event names the client');
    assert.match(lockout.text, /^network 2001:db8:7:1::\/64 locked out until /);
    assert.ok(events.some((e) => e.type === 'Lockout' && e.params.Address === '10.1.0.5'));

    await lockouts.resetAddress('2001:db8:7:1::1234');
    assert.equal(
      await lockouts.lockedUntil('IMAP', bob, '2001:db8:7:1::1'),
      null,
      'reset by any address of the /64',
    );
    await lockouts.resetAddress('::ffff:10.1.0.5');
    assert.equal(await lockouts.lockedUntil('IMAP', bob, '10.1.0.5'), null);
  });

  it('takes any protocol name a third-party listener uses, and resets it with the account', async () => {
    const carol = { domain: 'example.test', name: 'carol' };
    for (let i = 0; i < threshold; i++) await lockouts.attempt('ManageSieve', carol, '10.1.0.6', no);
    assert.ok(await lockouts.lockedUntil('ManageSieve', carol, '10.1.0.6'));
    assert.equal(await lockouts.lockedUntil(LoginProtocols.POP3, carol, '10.1.0.6'), null);
    await lockouts.resetAccount(carol);
    assert.equal(await lockouts.lockedUntil('ManageSieve', carol, '10.1.0.6'), null);
    assert.deepEqual(await redis.keys('mw:lockout:[afrp]:*carol@*'), [], 'no record of the account is left');
    await assert.rejects(lockouts.attempt('no:colons', carol, '10.1.0.6', yes), /login protocol/);
  });
});
