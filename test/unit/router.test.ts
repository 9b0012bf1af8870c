import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Storage } from '../../core/index.js';
import { createAdminServices, CredentialService, DirectoryService, SecretBox } from '../../core/index.js';
import { Router, type Resolution } from '../../core/routing/router.js';
import { firstStarCapture, matchesWildcard } from '../../core/routing/wildcard.js';
import { createStorage } from '../../storage-adapters/file/index.js';

describe('wildcard', () => {
  it('matches * ? and [...] ignoring case, and tells what the first * took', () => {
    assert.equal(matchesWildcard('sales-*', 'Sales-EU'), true);
    assert.equal(firstStarCapture('sales-*', 'Sales-EU'), 'EU');
    assert.equal(firstStarCapture('*-*', 'a-b-c'), 'a');
    assert.equal(firstStarCapture('*-list', 'golf-list'), 'golf');
    assert.equal(firstStarCapture('j?e', 'joe'), '');
    assert.equal(matchesWildcard('j?e', 'jooe'), false);
    assert.equal(matchesWildcard('*.example.org', 'example.org'), false);
    assert.equal(matchesWildcard('[ab]*', 'Bob'), true, 'XMail sets work in routing too');
  });

  it('stays linear on a pattern that is exponential for naive backtracking', () => {
    const started = Date.now();
    assert.equal(matchesWildcard('a*a*a*a*a*a*a*a*b', 'a'.repeat(5000)), false);
    assert.ok(Date.now() - started < 500);
  });
});

describe('router', () => {
  let dir: string;
  let storage: Storage;
  let router: Router;
  const local = (name: string, domain = 'example.org') => ({ domain, name });
  const target = (resolution: Resolution) =>
    resolution.kind === 'local' ? `${resolution.account.name}@${resolution.account.domain}` : resolution.kind;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'mw-router-'));
    storage = createStorage(`file:${dir}`);
    await storage.open();
    router = new Router(new DirectoryService(storage));
    const secrets = await SecretBox.forHome(dir);
    const { domains, accounts } = createAdminServices(
      storage,
      router,
      new CredentialService(secrets, false),
      secrets,
    );
    await domains.add('example.org');
    await domains.add('other.org');
    await accounts.add('example.org', 'alice', 'pw');
    await accounts.add('example.org', 'bob', 'pw');
    await domains.addAlias('example.org', 'example.net');
    await domains.addAlias('example.org', '*.example.com');
    await domains.addAlias('other.org', '*.eu.example.com');
    await storage.routes.addRoute({
      domain: 'example.org',
      local: '*',
      target: local('bob'),
      origin: 'alias',
    });
    await storage.routes.addRoute({
      domain: 'example.org',
      local: 'sales-*',
      target: local('alice'),
      origin: 'alias',
    });
    await storage.routes.addRoute({
      domain: 'example.org',
      local: 'sales-eu',
      target: local('bob'),
      origin: 'alias',
    });
    await storage.routes.addRoute({
      domain: '*',
      local: 'fwd-*',
      target: local('alice'),
      redirect: '*@remote.test',
      origin: 'username',
    });
  });

  after(async () => {
    await storage.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('routes users, then exact routes, then the most specific wildcard', async () => {
    assert.equal(target(await router.resolve('Alice@EXAMPLE.org')), 'alice@example.org');
    assert.equal(target(await router.resolve('sales-eu@example.org')), 'bob@example.org');
    assert.equal(target(await router.resolve('sales-us@example.org')), 'alice@example.org');
    assert.equal(target(await router.resolve('anything@example.org')), 'bob@example.org');
  });

  it('maps alias domains, exact and wildcard, most specific first', async () => {
    assert.equal(target(await router.resolve('alice@example.net')), 'alice@example.org');
    assert.equal(target(await router.resolve('alice@mail.example.com')), 'alice@example.org');
    assert.deepEqual(await router.resolve('alice@x.eu.example.com'), {
      kind: 'unknown-local',
      domain: 'other.org',
    });
  });

  it('tells unknown local users from remote addresses, and follows redirections', async () => {
    assert.deepEqual(await router.resolve('nobody@other.org'), {
      kind: 'unknown-local',
      domain: 'other.org',
    });
    assert.deepEqual(await router.resolve('x@elsewhere.test'), {
      kind: 'remote',
      domain: 'elsewhere.test',
      address: 'x@elsewhere.test',
    });
    assert.deepEqual(await router.resolve('fwd-joe@other.org'), {
      kind: 'remote',
      domain: 'remote.test',
      address: 'joe@remote.test',
    });
  });
});
