import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { promisify } from 'node:util';
import type { AccountKey, Storage } from '../../core/index.js';
import { loadStorageFactory } from '../../core/kernel/plugin-loader.js';
import { analyseMime } from '../../core/mime/structure-stream.js';
import { startRedisServer, type RedisProcess } from '../../core/runtime/redis-process.js';
import { CLI } from '../helpers/cli-process.js';
import { startMongo, type MongoServer } from '../helpers/mongo-server.js';

const run = promisify(execFile);

async function open(url: string): Promise<Storage> {
  const storage = (await loadStorageFactory(url, undefined, process.cwd()))(url);
  await storage.open();
  return storage;
}

const alice: AccountKey = { domain: 'copy.test', name: 'alice' };
const list: AccountKey = { domain: 'copy.test', name: 'team' };

async function deliver(storage: Storage, folder: string, body: string, flags: string[]): Promise<void> {
  const bytes = Buffer.from(body);
  const { mime, envelope } = await analyseMime(Readable.from([bytes]));
  const blob = await storage.blobs.putBlob(Readable.from([bytes]));
  await storage.mail.append(alice, folder, {
    blobId: blob.id,
    size: blob.size,
    internalDate: new Date('2026-01-02T03:04:05Z'),
    flags,
    mime,
    envelope,
  });
  await storage.blobs.releaseBlob(blob.id);
}

/** Everything one can observe through the ports, minus what a copy may legitimately renumber. */
async function dump(storage: Storage): Promise<unknown> {
  const accounts = (await storage.accounts.listAccounts({})).items;
  const mail = [];
  for (const account of accounts) {
    for (const folder of await storage.mail.listFolders(account)) {
      const messages = [];
      for (const m of await storage.mail.listMessages(account, folder.path)) {
        const body = await text(await storage.blobs.openBlob(m.blobId));
        messages.push({
          uid: m.uid,
          modseq: m.modseq,
          flags: [...m.flags].sort(),
          size: m.size,
          date: m.internalDate.toISOString(),
          body,
          mime: m.mime,
        });
      }
      mail.push({ account: `${account.name}@${account.domain}`, folder, messages });
    }
  }
  const events = [];
  for (const log of await storage.events.listLogs())
    events.push(...(await storage.events.eventsAfter(log, '', 10_000)));
  const files = [];
  for await (const file of storage.files.walkFiles())
    files.push({ ...file, content: (await storage.files.readFile(file.path))?.toString() });
  return {
    domains: (await storage.domains.listDomains()).map((d) => d.name),
    aliasDomains: await storage.domains.listAliasDomains(),
    accounts: await Promise.all(
      accounts.map(async (a) => ({
        name: a.name,
        domain: a.domain,
        kind: a.kind,
        credential: a.credential,
        vars: a.vars,
        attributes: a.attributes,
        members: await storage.accounts.listMembers(a),
        login: await storage.accounts.lastLogin(a),
      })),
    ),
    routes: await storage.routes.listRoutes(),
    externalAliases: await storage.routes.listExternalAliases(),
    links: await Promise.all(
      (await storage.pop3Links.listLinks()).map(async (l) => ({
        ...l,
        seen: [...(await storage.pop3Links.seenUidls(l))].sort(),
      })),
    ),
    admins: (await storage.admins.listAdmins()).map((a) => ({ ...a, createdAt: a.createdAt.toISOString() })),
    mail,
    files: files.sort((x, y) => x.path.localeCompare(y.path)),
    events: events.map((e) => ({ ...e, time: e.time.toISOString() })),
  };
}

describe('mailwright storage copy', () => {
  let dir: string;
  let redis: RedisProcess;
  let mongo: MongoServer;
  let urls: { file: string; redis: string; mongodb: string; back: string };

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'mw-copy-'));
    redis = await startRedisServer({ dir });
    mongo = await startMongo();
    urls = {
      file: `file:${dir}/source`,
      redis: `${redis.url}?prefix=copy:`,
      mongodb: mongo.uri,
      back: `file:${dir}/back`,
    };

    const s = await open(urls.file);
    await s.domains.addDomain('copy.test');
    await s.domains.addDomain('other.test');
    await s.domains.addAliasDomain({ alias: '*.copy.test', domain: 'copy.test' });
    await s.accounts.addAccount({
      ...alice,
      kind: 'user',
      credential: { scheme: 'scrypt', hash: 'scrypt$1$2$3$salt$hash' },
      vars: [
        ['RealName', 'Alice A.'],
        ['MaxMBSize', '10000'],
      ],
      attributes: [['ReportTarget', ['owner@copy.test']]],
    });
    await s.accounts.addAccount({
      ...list,
      kind: 'list',
      credential: { scheme: 'none' },
      vars: [['ClosedML', '1']],
    });
    await s.accounts.addMember(list, { address: 'x@elsewhere.test', perms: 'RW' });
    await s.accounts.addMember(list, { address: 'alice@copy.test', perms: 'R' });
    await s.accounts.recordLogin(alice, {
      ip: '192.0.2.7',
      at: new Date('2026-03-04T05:06:07Z'),
      protocol: 'POP3',
    });
    await s.routes.addRoute({ domain: 'copy.test', local: 'a*', target: alice, origin: 'alias' });
    await s.routes.addExternalAlias({ remote: { domain: 'ext.test', name: 'al' }, local: alice });
    const link = {
      local: alice,
      remoteDomain: 'pop.ext.test',
      remoteUser: 'al',
      remoteSecret: 'sealed',
      auth: 'CLR' as const,
      tls: true,
      enabled: false,
    };
    await s.pop3Links.addLink(link);
    await s.pop3Links.setSeenUidls(link, ['u1', 'u2']);
    await s.admins.putAdmin({
      name: 'root',
      secret: 'sealed-root',
      privileges: ['Administration'],
      createdAt: new Date('2026-01-01T00:00:00Z'),
    });
    await s.mail.createFolder(alice, 'Archive/2026', { specialUse: '\\Archive' });
    await s.mail.setSubscribed(alice, 'Archive/2026', true);
    for (let i = 1; i <= 5; i++)
      await deliver(
        s,
        'INBOX',
        `Subject: m${i}\r\nFrom: b@copy.test\r\n\r\nbody ${i}\r\n`,
        i % 2 ? ['\\Seen'] : [],
      );
    await s.mail.updateFlags(alice, 'INBOX', {
      uids: [2, 3],
      operation: 'add',
      flags: ['\\Deleted', '$Junk'],
    });
    await s.mail.expunge(alice, 'INBOX'); // leaves a gap: UIDs 1, 4, 5
    await deliver(s, 'Archive/2026', 'Subject: kept\r\n\r\nold\r\n', ['\\Flagged']);
    await s.files.writeFile('domains/copy.test/alice/mailproc.tab', Buffer.from('"mailbox"\n'));
    await s.files.writeFile('custdomains/.tab', Buffer.from('"smtp"\n'));
    await s.events.appendEvent({
      log: 'Security',
      type: 'LoginFailure',
      text: 'bad password',
      params: { Address: '192.0.2.9' },
    });
    await s.events.appendEvent({ log: 'Activity', type: 'Client', text: 'hello', params: {} });
    await s.close();
  });

  after(async () => {
    await redis?.stop();
    await mongo?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips file → redis → mongodb → file with identical content, then re-runs as a no-op', async () => {
    const copy = (from: string, to: string) =>
      run(process.execPath, [CLI, 'storage', 'copy', '--from', from, '--to', to]);
    const first = await copy(urls.file, urls.redis);
    assert.match(first.stdout, /messages\s+4 copied\s+0 already there/);
    await copy(urls.redis, urls.mongodb);
    await copy(urls.mongodb, urls.back);

    const snapshots = [];
    for (const url of [urls.file, urls.redis, urls.mongodb, urls.back]) {
      const s = await open(url);
      snapshots.push(await dump(s));
      await s.close();
    }
    const source = snapshots[0] as {
      mail: { account: string; folder: { path: string }; messages: { uid: number }[] }[];
    };
    const inbox = source.mail.find((f) => f.account === 'alice@copy.test' && f.folder.path === 'INBOX')!;
    assert.deepEqual(
      inbox.messages.map((m) => m.uid),
      [1, 4, 5],
      'the fixture has a UID gap',
    );
    for (const [i, snapshot] of snapshots.entries())
      assert.deepEqual(snapshot, snapshots[0], `store ${i} differs`);

    const again = await copy(urls.mongodb, urls.back);
    assert.match(again.stdout, /messages\s+0 copied\s+4 already there/);
    assert.match(again.stdout, /accounts\s+0 copied\s+2 already there/);
    const s = await open(urls.back);
    assert.deepEqual(await dump(s), snapshots[0]);
    await s.close();
  });

  it('refuses a whole home as a file storage, so the server key and TLS key are never copied', async () => {
    const home = path.join(dir, 'a-home');
    await mkdir(path.join(home, 'state'), { recursive: true });
    await writeFile(path.join(home, 'state', 'secret.key'), 'not for copying');
    await assert.rejects(
      run(process.execPath, [CLI, 'storage', 'copy', '--from', `file:${home}`, '--to', urls.back]),
      (err: { stderr: string }) => {
        assert.match(err.stderr, /is a Mailwright home, not a mail root: use file:.*a-home\/mail/);
        return true;
      },
    );
  });

  it('refuses a bad URL with a clear message', async () => {
    await assert.rejects(
      run(process.execPath, [CLI, 'storage', 'copy', '--from', 'ftp://x', '--to', urls.back]),
      (err: { stderr: string }) => {
        assert.match(err.stderr, /unknown scheme; use file:, redis:\/\/ or mongodb:\/\//);
        return true;
      },
    );
  });
});
