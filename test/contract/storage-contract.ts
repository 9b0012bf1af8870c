/**
 * The storage contract: one suite that runs unchanged against every storage adapter (DESIGN.md,
 * "Ports"). An adapter is done when it passes it.
 *
 * Usage from an adapter's test file:
 *
 *   describeStorageContract('file', async () => {
 *     const dir = await mkdtemp(...);
 *     return { storage: createStorage(`file:${dir}`), cleanup: () => rm(dir, { recursive: true }) };
 *   }, { childProcessUrl: () => `file:${dir}` });
 *
 * `open` is called once per section (each top-level `describe` below gets a fresh, empty storage).
 * The suite calls `storage.open()` and, at the end of the section, `storage.close()` once; `cleanup`
 * then removes the data (temp dir, database, keys) and must not close the storage again.
 *
 * `storedBytes`, when `open` gives one, measures what the storage holds, for the sections that
 * check how it grows (message-structures.ts).
 *
 * `childProcessUrl` returns the URL of the storage most recently returned by `open`, so that the
 * cross-process UID test can open the same storage from two `node` child processes
 * (test/contract/uid-writer.ts). Without it that test is skipped.
 *
 * MW_CONTRACT_QUICK=1 skips the 100,000-account listing test.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { AccountKey, MimeNode, NewMessage, Pop3Link, AddressRoute } from '../../core/model/index.js';
import type { Storage } from '../../core/ports/index.js';
import { newMessage, TEST_ENVELOPE } from '../helpers/messages.js';
import { describeIdempotentAppend } from './idempotent-append.js';
import { describeMessageStructures } from './message-structures.js';

export type OpenStorage = () => Promise<{
  storage: Storage;
  cleanup: () => Promise<void>;
  /** The bytes the storage holds on its medium (files, keys, documents): how it grows is tested. */
  storedBytes?: () => Promise<number>;
}>;
export interface ContractOptions {
  childProcessUrl?: () => string;
  /**
   * How long one listing or count over 100,000 accounts may take (default 10 s): a bound that
   * catches an accidental quadratic pass or a listing that loads everything, not a benchmark.
   */
  bulkListingLimitMs?: number;
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/** Registers before/after hooks giving the enclosing describe a fresh storage. */
function useStorage(open: OpenStorage): { readonly s: Storage } {
  let storage: Storage | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  before(async () => {
    const opened = await open();
    storage = opened.storage;
    cleanup = opened.cleanup;
    await storage.open();
    await storage.open(); // idempotent
  });
  after(async () => {
    await storage?.close();
    await cleanup?.();
    // Let a big section's state (100,000 accounts) be collected before the next section runs.
    storage = undefined;
    cleanup = undefined;
  });
  return {
    get s(): Storage {
      if (!storage) throw new Error('storage not opened');
      return storage;
    },
  };
}

/** Drops `undefined` members and turns Dates into strings, so optional fields compare equal. */
function plain<T>(value: T): unknown {
  return JSON.parse(JSON.stringify(value));
}

async function rejectsWith(promise: Promise<unknown>, name: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.equal((err as Error).name, name, `expected ${name}, got ${String(err)}`);
    return true;
  });
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

async function putText(s: Storage, text: string): Promise<{ id: string; size: number }> {
  return s.blobs.putBlob(Readable.from([Buffer.from(text)]));
}

/** Adds a domain (once) and a user account in it. */
async function addUser(s: Storage, domain: string, name: string): Promise<AccountKey> {
  if (!(await s.domains.getDomain(domain))) await s.domains.addDomain(domain);
  await s.accounts.addAccount({ domain, name, kind: 'user', credential: { scheme: 'none' }, vars: [] });
  return { domain, name };
}

/** Appends a message with a fresh body and drops the caller's blob reference (as delivery does). */
async function deliver(
  s: Storage,
  key: AccountKey,
  folder: string,
  text: string,
  extra: Partial<NewMessage> = {},
) {
  const blob = await putText(s, text);
  const meta = await s.mail.append(key, folder, newMessage(blob, extra));
  await s.blobs.releaseBlob(blob.id);
  return meta;
}

function sorted(values: Iterable<string>): string[] {
  return [...values].sort();
}

/**
 * A full garbage collection on demand. The memory test collects while it samples so that RSS shows
 * what is still held, not garbage the collector has not got round to yet.
 */
function collectGarbage(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

function parseEventId(id: string): [number, number] {
  const m = /^(\d+)\.(\d+)$/.exec(id);
  assert.ok(m, `event id ${id} is <unix-seconds>.<sequence>`);
  return [Number(m[1]), Number(m[2])];
}

function eventIdLess(a: string, b: string): boolean {
  const [as, aq] = parseEventId(a);
  const [bs, bq] = parseEventId(b);
  return as < bs || (as === bs && aq < bq);
}

// ---------------------------------------------------------------------------------------------
// The suite
// ---------------------------------------------------------------------------------------------

export function describeStorageContract(
  adapterName: string,
  open: OpenStorage,
  opts: ContractOptions = {},
): void {
  describe(`storage contract: ${adapterName}`, () => {
    describeDomains(open);
    describeAccounts(open);
    describeNamePatterns(open);
    describeBulkAccounts(open, opts.bulkListingLimitMs ?? 10_000);
    describeRoutes(open);
    describePop3Links(open);
    describeAdmins(open);
    describeBlobs(open);
    describeMail(open, opts);
    describeIdempotentAppend(open);
    describeMessageStructures(open);
    describeEvents(open);
    describeFiles(open);
    describeDomainCascade(open);
  });
}

function describeDomains(open: OpenStorage): void {
  describe('domains', () => {
    const ctx = useStorage(open);

    it('adds, gets and lists domains by name', async () => {
      const s = ctx.s;
      const before = Date.now();
      const d = await s.domains.addDomain('zeta.test');
      assert.equal(d.name, 'zeta.test');
      assert.ok(d.createdAt instanceof Date);
      assert.ok(Math.abs(d.createdAt.getTime() - before) < 60_000);
      await s.domains.addDomain('alpha.test');
      await s.domains.addDomain('mid.test');
      const got = await s.domains.getDomain('alpha.test');
      assert.equal(got?.name, 'alpha.test');
      assert.ok(got?.createdAt instanceof Date);
      assert.equal(await s.domains.getDomain('nope.test'), null);
      assert.deepEqual(
        (await s.domains.listDomains()).map((x) => x.name),
        ['alpha.test', 'mid.test', 'zeta.test'],
      );
    });

    it('refuses a duplicate domain and leaves one row', async () => {
      const s = ctx.s;
      await rejectsWith(s.domains.addDomain('alpha.test'), 'AlreadyExistsError');
      assert.equal((await s.domains.listDomains()).filter((x) => x.name === 'alpha.test').length, 1);
    });

    it('deletes a domain; deleting a missing one is NotFound', async () => {
      const s = ctx.s;
      await s.domains.deleteDomain('mid.test');
      assert.equal(await s.domains.getDomain('mid.test'), null);
      assert.deepEqual(
        (await s.domains.listDomains()).map((x) => x.name),
        ['alpha.test', 'zeta.test'],
      );
      await rejectsWith(s.domains.deleteDomain('mid.test'), 'NotFoundError');
    });

    it('keeps alias domains in insertion order, unique by alias', async () => {
      const s = ctx.s;
      await s.domains.addAliasDomain({ alias: 'z-alias.test', domain: 'alpha.test' });
      await s.domains.addAliasDomain({ alias: '*.wild.test', domain: 'zeta.test' });
      await s.domains.addAliasDomain({ alias: 'a-alias.test', domain: 'alpha.test' });
      await rejectsWith(
        s.domains.addAliasDomain({ alias: 'z-alias.test', domain: 'zeta.test' }),
        'AlreadyExistsError',
      );
      assert.deepEqual(plain(await s.domains.listAliasDomains()), [
        { alias: 'z-alias.test', domain: 'alpha.test' },
        { alias: '*.wild.test', domain: 'zeta.test' },
        { alias: 'a-alias.test', domain: 'alpha.test' },
      ]);
      await s.domains.deleteAliasDomain('*.wild.test');
      await rejectsWith(s.domains.deleteAliasDomain('*.wild.test'), 'NotFoundError');
      assert.deepEqual(plain(await s.domains.listAliasDomains()), [
        { alias: 'z-alias.test', domain: 'alpha.test' },
        { alias: 'a-alias.test', domain: 'alpha.test' },
      ]);
    });
  });
}

function describeAccounts(open: OpenStorage): void {
  describe('accounts', () => {
    const ctx = useStorage(open);
    const alice = { domain: 'acct.test', name: 'Alice' };

    it('adds an account with its INBOX and reads it back case-insensitively', async () => {
      const s = ctx.s;
      await s.domains.addDomain('acct.test');
      const vars: [string, string][] = [
        ['RealName', 'Alice "Q" Example'],
        ['MaxMBSize', '10000'],
        ['Address', 'back\\slash\\'],
      ];
      const a = await s.accounts.addAccount({
        ...alice,
        kind: 'user',
        credential: { scheme: 'scrypt', hash: '$scrypt$N=16384$abc$def' },
        vars,
        attributes: [['Privileges', ['Read', 'Send']]],
      });
      assert.equal(a.domain, 'acct.test');
      assert.equal(a.name, 'Alice');
      assert.equal(a.kind, 'user');
      assert.ok(Number.isInteger(a.seq));
      assert.ok(a.createdAt instanceof Date);
      for (const name of ['Alice', 'alice', 'ALICE']) {
        const got = await s.accounts.getAccount({ domain: 'acct.test', name });
        assert.ok(got, `getAccount(${name})`);
        assert.equal(got.name, 'Alice');
        assert.equal(got.seq, a.seq);
        assert.deepEqual(got.credential, { scheme: 'scrypt', hash: '$scrypt$N=16384$abc$def' });
        assert.deepEqual(got.vars, vars);
        assert.deepEqual(got.attributes, [['Privileges', ['Read', 'Send']]]);
        assert.equal(got.createdAt.getTime(), a.createdAt.getTime());
      }
      const inbox = await s.mail.getFolder(alice, 'INBOX');
      assert.ok(inbox, 'INBOX exists');
      assert.equal(inbox.path, 'INBOX');
      assert.equal(inbox.messages, 0);
      assert.deepEqual(
        (await s.mail.listFolders(alice)).map((f) => f.path),
        ['INBOX'],
      );
      assert.equal(await s.accounts.getAccount({ domain: 'acct.test', name: 'bob' }), null);
    });

    it('defaults attributes to empty and assigns increasing seq', async () => {
      const s = ctx.s;
      const first = await s.accounts.getAccount(alice);
      const b = await s.accounts.addAccount({
        domain: 'acct.test',
        name: 'bob',
        kind: 'list',
        credential: { scheme: 'legacy', secret: 'enc:xyz' },
        vars: [],
      });
      assert.deepEqual(b.attributes, []);
      assert.equal(b.kind, 'list');
      assert.ok(first && b.seq > first.seq);
      const got = await s.accounts.getAccount({ domain: 'acct.test', name: 'BOB' });
      assert.deepEqual(got?.credential, { scheme: 'legacy', secret: 'enc:xyz' });
      assert.equal(got?.kind, 'list');
    });

    it('refuses a duplicate (also case-insensitively) and leaves no partial state', async () => {
      const s = ctx.s;
      const marker = await deliver(s, alice, 'INBOX', 'Subject: keep me\r\n\r\nbody\r\n');
      const before = await s.mail.getFolder(alice, 'INBOX');
      const countBefore = await s.accounts.countAccounts({ domain: 'acct.test' });
      for (const name of ['Alice', 'alice']) {
        await rejectsWith(
          s.accounts.addAccount({
            domain: 'acct.test',
            name,
            kind: 'user',
            credential: { scheme: 'none' },
            vars: [['X', 'y']],
          }),
          'AlreadyExistsError',
        );
      }
      assert.equal(await s.accounts.countAccounts({ domain: 'acct.test' }), countBefore);
      const rows = (await s.accounts.listAccounts({ domain: 'acct.test' })).items.filter(
        (a) => a.name.toLowerCase() === 'alice',
      );
      assert.equal(rows.length, 1);
      const got = await s.accounts.getAccount(alice);
      assert.deepEqual(got?.vars[0], ['RealName', 'Alice "Q" Example']);
      assert.deepEqual(plain(await s.mail.getFolder(alice, 'INBOX')), plain(before));
      assert.deepEqual(
        (await s.mail.listMessages(alice, 'INBOX')).map((m) => m.uid),
        [marker.uid],
      );
      assert.deepEqual(
        (await s.mail.listFolders(alice)).map((f) => f.path),
        ['INBOX'],
      );
    });

    it('refuses an account in a missing domain and creates nothing', async () => {
      const s = ctx.s;
      const key = { domain: 'missing.test', name: 'x' };
      await rejectsWith(
        s.accounts.addAccount({ ...key, kind: 'user', credential: { scheme: 'none' }, vars: [] }),
        'NotFoundError',
      );
      assert.equal(await s.accounts.getAccount(key), null);
      assert.equal(await s.mail.getFolder(key, 'INBOX'), null);
      assert.equal(await s.accounts.countAccounts({ domain: 'missing.test' }), 0);
    });

    it('lists in insertion order with domain, wildcard and paging filters', async () => {
      const s = ctx.s;
      await s.domains.addDomain('other.test');
      for (const name of ['carol', 'Cathy', 'dave', 'cy']) {
        await s.accounts.addAccount({
          domain: 'acct.test',
          name,
          kind: 'user',
          credential: { scheme: 'none' },
          vars: [],
        });
      }
      await s.accounts.addAccount({
        domain: 'other.test',
        name: 'carl',
        kind: 'user',
        credential: { scheme: 'none' },
        vars: [],
      });

      const all = await s.accounts.listAccounts({});
      assert.deepEqual(
        all.items.map((a) => `${a.name}@${a.domain}`),
        [
          'Alice@acct.test',
          'bob@acct.test',
          'carol@acct.test',
          'Cathy@acct.test',
          'dave@acct.test',
          'cy@acct.test',
          'carl@other.test',
        ],
      );
      assert.equal(all.total, 7);
      for (let i = 1; i < all.items.length; i++) assert.ok(all.items[i].seq > all.items[i - 1].seq);

      const inAcct = await s.accounts.listAccounts({ domain: 'acct.test' });
      assert.equal(inAcct.total, 6);
      assert.equal(await s.accounts.countAccounts({ domain: 'acct.test' }), 6);
      assert.equal(await s.accounts.countAccounts({}), 7);

      const c = await s.accounts.listAccounts({ namePattern: 'C*' });
      assert.deepEqual(
        c.items.map((a) => a.name),
        ['carol', 'Cathy', 'cy', 'carl'],
      );
      assert.equal(await s.accounts.countAccounts({ namePattern: 'c*' }), 4);
      const q = await s.accounts.listAccounts({ domain: 'acct.test', namePattern: 'ca?*y' });
      assert.deepEqual(
        q.items.map((a) => a.name),
        ['Cathy'],
      );
      assert.deepEqual(
        (await s.accounts.listAccounts({ namePattern: '?o?' })).items.map((a) => a.name),
        ['bob'],
      );

      const page = await s.accounts.listAccounts({ domain: 'acct.test' }, { offset: 2, limit: 3 });
      assert.equal(page.total, 6);
      assert.deepEqual(
        page.items.map((a) => a.name),
        ['carol', 'Cathy', 'dave'],
      );
      const tail = await s.accounts.listAccounts({ namePattern: 'c*' }, { offset: 3, limit: 10 });
      assert.equal(tail.total, 4);
      assert.deepEqual(
        tail.items.map((a) => a.name),
        ['carl'],
      );
      const beyond = await s.accounts.listAccounts({}, { offset: 50, limit: 10 });
      assert.deepEqual(beyond.items, []);
      assert.equal(beyond.total, 7);
    });

    it('replaces credential, vars and attributes in the given order', async () => {
      const s = ctx.s;
      await s.accounts.setCredential(alice, { scheme: 'legacy', secret: 'enc:new' });
      await s.accounts.setVars({ domain: 'acct.test', name: 'ALICE' }, [
        ['Zeta', '1'],
        ['Alpha', 'tab-free "quoted"'],
      ]);
      await s.accounts.setAttributes(alice, [
        ['ReportTarget', ['a@x.test']],
        ['Privileges', []],
        ['Custom', ['1', '2', '3']],
      ]);
      const got = await s.accounts.getAccount(alice);
      assert.deepEqual(got?.credential, { scheme: 'legacy', secret: 'enc:new' });
      assert.deepEqual(got?.vars, [
        ['Zeta', '1'],
        ['Alpha', 'tab-free "quoted"'],
      ]);
      assert.deepEqual(got?.attributes, [
        ['ReportTarget', ['a@x.test']],
        ['Privileges', []],
        ['Custom', ['1', '2', '3']],
      ]);
      const ghost = { domain: 'acct.test', name: 'ghost' };
      await rejectsWith(s.accounts.setCredential(ghost, { scheme: 'none' }), 'NotFoundError');
      await rejectsWith(s.accounts.setVars(ghost, []), 'NotFoundError');
      await rejectsWith(s.accounts.setAttributes(ghost, []), 'NotFoundError');
    });

    it('keeps list members in insertion order, unique case-insensitively', async () => {
      const s = ctx.s;
      const list = { domain: 'acct.test', name: 'bob' };
      assert.deepEqual(await s.accounts.listMembers(list), []);
      await s.accounts.addMember(list, { address: 'z@x.test', perms: 'RW' });
      await s.accounts.addMember(list, { address: 'a@x.test', perms: 'R' });
      await s.accounts.addMember({ domain: 'acct.test', name: 'BOB' }, { address: 'm@x.test', perms: 'RWA' });
      await rejectsWith(
        s.accounts.addMember(list, { address: 'Z@X.test', perms: 'R' }),
        'AlreadyExistsError',
      );
      await rejectsWith(
        s.accounts.addMember({ domain: 'acct.test', name: 'ghost' }, { address: 'q@x.test', perms: 'R' }),
        'NotFoundError',
      );
      assert.deepEqual(plain(await s.accounts.listMembers(list)), [
        { address: 'z@x.test', perms: 'RW' },
        { address: 'a@x.test', perms: 'R' },
        { address: 'm@x.test', perms: 'RWA' },
      ]);
      await s.accounts.removeMember(list, 'a@x.test');
      await rejectsWith(s.accounts.removeMember(list, 'a@x.test'), 'NotFoundError');
      assert.deepEqual(
        (await s.accounts.listMembers(list)).map((m) => m.address),
        ['z@x.test', 'm@x.test'],
      );
    });

    it('records the last login', async () => {
      const s = ctx.s;
      assert.equal(await s.accounts.lastLogin({ domain: 'acct.test', name: 'dave' }), null);
      await s.accounts.recordLogin(alice, {
        ip: '10.0.0.1',
        at: new Date('2026-03-01T10:00:00Z'),
        protocol: 'pop3',
      });
      await s.accounts.recordLogin(
        { domain: 'acct.test', name: 'alice' },
        { ip: '10.0.0.2', at: new Date('2026-03-02T10:00:00Z'), protocol: 'imap' },
      );
      const last = await s.accounts.lastLogin(alice);
      assert.equal(last?.ip, '10.0.0.2');
      assert.equal(last?.protocol, 'imap');
      assert.equal(last?.at.toISOString(), '2026-03-02T10:00:00.000Z');
    });

    it('deletes an account with its mail, members, routes and links; seq is never reused', async () => {
      const s = ctx.s;
      const list = { domain: 'acct.test', name: 'bob' };
      await s.mail.createFolder(list, 'Archive');
      const blob = await putText(s, 'Subject: x\r\n\r\nlist mail\r\n');
      await s.mail.append(list, 'Archive', newMessage(blob));
      await s.blobs.releaseBlob(blob.id);
      await s.routes.addRoute({ domain: 'acct.test', local: 'bobby', target: list, origin: 'alias' });
      await s.routes.addRoute({ domain: 'acct.test', local: 'keep', target: alice, origin: 'alias' });
      await s.pop3Links.addLink({
        local: list,
        remoteDomain: 'remote.test',
        remoteUser: 'rb',
        remoteSecret: 's',
        auth: 'CLR',
        tls: false,
        enabled: true,
      });
      await s.accounts.recordLogin(list, { ip: '1.2.3.4', at: new Date(), protocol: 'pop3' });
      const oldSeq = (await s.accounts.getAccount(list))?.seq ?? 0;

      await s.accounts.deleteAccount({ domain: 'acct.test', name: 'BOB' });
      assert.equal(await s.accounts.getAccount(list), null);
      assert.equal(await s.mail.getFolder(list, 'Archive'), null);
      assert.equal(await s.mail.getFolder(list, 'INBOX'), null);
      assert.equal(await s.blobs.statBlob(blob.id), null, 'body released');
      assert.deepEqual(
        (await s.routes.routesForDomain('acct.test')).map((r) => r.local),
        ['keep'],
      );
      assert.deepEqual(await s.pop3Links.listLinks(list), []);
      assert.ok(
        !(await s.accounts.listAccounts({ domain: 'acct.test' })).items.some((a) => a.name === 'bob'),
      );

      const again = await s.accounts.addAccount({
        ...list,
        kind: 'list',
        credential: { scheme: 'none' },
        vars: [],
      });
      assert.ok(again.seq > oldSeq, 'seq is never reused');
      assert.deepEqual(await s.accounts.listMembers(list), []);
      assert.equal(await s.accounts.lastLogin(list), null);
      assert.deepEqual(
        (await s.mail.listFolders(list)).map((f) => f.path),
        ['INBOX'],
      );
    });
  });
}

function describeBulkAccounts(open: OpenStorage, limitMs: number): void {
  const quick = process.env.MW_CONTRACT_QUICK === '1';
  describe('accounts at 100,000', () => {
    const ctx = useStorage(open);
    const total = 100_000;

    it(
      'lists with wildcards and paging over 100,000 accounts',
      { skip: quick ? 'MW_CONTRACT_QUICK=1' : false, timeout: 15 * 60_000 },
      async () => {
        const s = ctx.s;
        await s.domains.addDomain('bulk.test');
        await s.domains.addDomain('small.test');
        await s.accounts.addAccount({
          domain: 'small.test',
          name: 'user1',
          kind: 'user',
          credential: { scheme: 'none' },
          vars: [],
        });
        // Many adds in flight at once: an adapter may batch them (group commit), and must keep them unique.
        let next = 0;
        const worker = async (): Promise<void> => {
          while (next < total) {
            const i = next++;
            await s.accounts.addAccount({
              domain: 'bulk.test',
              name: `user${i}`,
              kind: 'user',
              credential: { scheme: 'scrypt', hash: `h${i}` },
              vars: [['RealName', `User ${i}`]],
            });
          }
        };
        await Promise.all(Array.from({ length: 500 }, worker));

        const timed = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
          const t0 = Date.now();
          const result = await fn();
          assert.ok(Date.now() - t0 < limitMs, `${what} took ${Date.now() - t0} ms at 100,000 accounts`);
          return result;
        };
        assert.equal(await timed('count', () => s.accounts.countAccounts({ domain: 'bulk.test' })), total);
        assert.equal(await s.accounts.countAccounts({}), total + 1);

        const page = await timed('page', () =>
          s.accounts.listAccounts({ domain: 'bulk.test' }, { offset: 50_000, limit: 100 }),
        );
        assert.equal(page.total, total);
        assert.equal(page.items.length, 100);
        const next100 = await s.accounts.listAccounts(
          { domain: 'bulk.test' },
          { offset: 50_100, limit: 100 },
        );
        const seqs = [...page.items, ...next100.items].map((a) => a.seq);
        for (let i = 1; i < seqs.length; i++)
          assert.ok(seqs[i] > seqs[i - 1], 'pages follow insertion order');

        const last = await s.accounts.listAccounts(
          { domain: 'bulk.test' },
          { offset: total - 5, limit: 100 },
        );
        assert.equal(last.items.length, 5);
        assert.equal(last.total, total);

        const exact = await timed('wildcard', () =>
          s.accounts.listAccounts({ domain: 'bulk.test', namePattern: 'USER4999?' }),
        );
        assert.deepEqual(
          sorted(exact.items.map((a) => a.name)),
          Array.from({ length: 10 }, (_, i) => `user4999${i}`),
        );
        assert.equal(exact.total, 10);
        assert.equal(exact.items[3].vars[0][1], `User ${exact.items[3].name.slice(4)}`);

        // user1, user1x, user1xx, user1xxx, user1xxxx: 11,111 in bulk.test, plus small.test's user1.
        assert.equal(await s.accounts.countAccounts({ namePattern: 'user1*' }), 11_112);
        const wildPage = await timed('wildcard page', () =>
          s.accounts.listAccounts(
            { domain: 'bulk.test', namePattern: 'user1*' },
            { offset: 11_100, limit: 100 },
          ),
        );
        assert.equal(wildPage.total, 11_111);
        assert.equal(wildPage.items.length, 11);
        assert.ok(wildPage.items.every((a) => a.name.startsWith('user1') && a.domain === 'bulk.test'));

        await rejectsWith(
          s.accounts.addAccount({
            domain: 'bulk.test',
            name: 'USER77777',
            kind: 'user',
            credential: { scheme: 'none' },
            vars: [],
          }),
          'AlreadyExistsError',
        );
        assert.equal(await s.accounts.countAccounts({ domain: 'bulk.test' }), total);
        const one = await s.accounts.getAccount({ domain: 'bulk.test', name: 'user77777' });
        assert.deepEqual(one?.credential, { scheme: 'scrypt', hash: 'h77777' });
      },
    );
  });
}

/**
 * AccountQuery.namePattern has one syntax on every adapter: core's wildmatch (`*`, `?`, `[...]`,
 * `\\x`), every other char literal, case-insensitive; listUsers (XMail userlist) relies on it.
 */
function describeNamePatterns(open: OpenStorage): void {
  describe('account name patterns', () => {
    const ctx = useStorage(open);
    const names = ['a.b', 'axb', 'a+b', 'aab', 'x(y', 'x^y$', 'Mixed', 'mi', 'b|c', 'q{2}', 'ab\\c', 'z-1'];
    const listed = async (namePattern: string, domain?: string): Promise<string[]> => {
      const page = await ctx.s.accounts.listAccounts({ domain, namePattern });
      assert.equal(await ctx.s.accounts.countAccounts({ domain, namePattern }), page.total);
      assert.equal(page.total, page.items.length);
      return page.items.map((account) => account.name);
    };

    it('matches * and ? over the whole name, ignoring case', async () => {
      for (const name of names) await addUser(ctx.s, 'pat.test', name);
      await addUser(ctx.s, 'pat2.test', 'MIXED2');
      assert.deepEqual(await listed('MI*'), ['Mixed', 'mi', 'MIXED2']);
      assert.deepEqual(await listed('mi*', 'pat.test'), ['Mixed', 'mi']);
      assert.deepEqual(await listed('mixed'), ['Mixed']);
      assert.deepEqual(await listed('m?'), ['mi']);
      assert.deepEqual(await listed('a?b'), ['a.b', 'axb', 'a+b', 'aab']);
      assert.deepEqual(await listed('*'), [...names, 'MIXED2']);
      assert.deepEqual(await listed('?'), []);
    });

    it('takes regular-expression characters in names literally', async () => {
      assert.deepEqual(await listed('a.b'), ['a.b']);
      assert.deepEqual(await listed('a+b'), ['a+b']);
      assert.deepEqual(await listed('x(y'), ['x(y']);
      assert.deepEqual(await listed('x^y$'), ['x^y$']);
      assert.deepEqual(await listed('b|c'), ['b|c']);
      assert.deepEqual(await listed('q{2}'), ['q{2}']);
      assert.deepEqual(await listed('*.*'), ['a.b']);
      assert.deepEqual(await listed('x(*'), ['x(y']);
      assert.deepEqual(await listed('z-1'), ['z-1']);
    });

    it('has the [...] sets and \\ escapes of wildmatch; a malformed pattern matches nothing', async () => {
      assert.deepEqual(await listed('a[.+]b'), ['a.b', 'a+b']);
      assert.deepEqual(await listed('a[^.+]b'), ['axb', 'aab']);
      assert.deepEqual(await listed('[A-B]*', 'pat.test'), ['a.b', 'axb', 'a+b', 'aab', 'b|c', 'ab\\c']);
      assert.deepEqual(await listed('z[-]1'), []);
      assert.deepEqual(await listed('a\\*b'), []);
      assert.deepEqual(await listed('ab\\\\c'), ['ab\\c']);
      assert.deepEqual(await listed('a[.b'), []);
      assert.deepEqual(await listed('ab\\'), []);
    });
  });
}

function describeRoutes(open: OpenStorage): void {
  describe('routes and external aliases', () => {
    const ctx = useStorage(open);
    const target = { domain: 'route.test', name: 'alice' };

    it('keeps routes per domain and overall in insertion order', async () => {
      const s = ctx.s;
      await addUser(s, 'route.test', 'alice');
      const routes: AddressRoute[] = [
        { domain: 'route.test', local: 'postmaster', target, origin: 'alias' },
        { domain: '*', local: 'info', target, origin: 'username' },
        { domain: 'route.test', local: 'sales-*', target, redirect: 'x-*@remote.test', origin: 'username' },
        { domain: 'other.test', local: 'abuse', target, accountAsGiven: 'Alice@Route.TEST', origin: 'alias' },
        { domain: 'route.test', local: 'Abuse', target, origin: 'alias' },
      ];
      for (const r of routes) await s.routes.addRoute(r);
      assert.deepEqual(
        plain(await s.routes.routesForDomain('route.test')),
        plain([routes[0], routes[2], routes[4]]),
      );
      assert.deepEqual(plain(await s.routes.routesForDomain('*')), plain([routes[1]]));
      assert.deepEqual(plain(await s.routes.routesForDomain('nothing.test')), []);
      assert.deepEqual(plain(await s.routes.listRoutes()), plain(routes));
    });

    it('refuses a duplicate (domain, local) case-insensitively', async () => {
      const s = ctx.s;
      await rejectsWith(
        s.routes.addRoute({ domain: 'route.test', local: 'POSTMASTER', target, origin: 'alias' }),
        'AlreadyExistsError',
      );
      assert.equal((await s.routes.routesForDomain('route.test')).length, 3);
    });

    it('deletes routes', async () => {
      const s = ctx.s;
      await s.routes.deleteRoute('route.test', 'postmaster');
      await rejectsWith(s.routes.deleteRoute('route.test', 'postmaster'), 'NotFoundError');
      assert.deepEqual(
        (await s.routes.routesForDomain('route.test')).map((r) => r.local),
        ['sales-*', 'Abuse'],
      );
      assert.equal((await s.routes.listRoutes()).length, 4);
    });

    it('keeps external aliases in insertion order, unique by remote address', async () => {
      const s = ctx.s;
      await s.routes.addExternalAlias({ remote: { domain: 'far.test', name: 'zed' }, local: target });
      await s.routes.addExternalAlias({ remote: { domain: 'far.test', name: 'amy' }, local: target });
      await rejectsWith(
        s.routes.addExternalAlias({ remote: { domain: 'far.test', name: 'zed' }, local: target }),
        'AlreadyExistsError',
      );
      assert.deepEqual(plain(await s.routes.listExternalAliases()), [
        { remote: { domain: 'far.test', name: 'zed' }, local: target },
        { remote: { domain: 'far.test', name: 'amy' }, local: target },
      ]);
      await s.routes.deleteExternalAlias('far.test', 'zed');
      await rejectsWith(s.routes.deleteExternalAlias('far.test', 'zed'), 'NotFoundError');
      assert.deepEqual(
        (await s.routes.listExternalAliases()).map((x) => x.remote.name),
        ['amy'],
      );
    });
  });
}

function describePop3Links(open: OpenStorage): void {
  describe('pop3 links', () => {
    const ctx = useStorage(open);
    const alice = { domain: 'pop.test', name: 'alice' };
    const bob = { domain: 'pop.test', name: 'bob' };
    const link = (local: AccountKey, remoteUser: string, extra: Partial<Pop3Link> = {}): Pop3Link => ({
      local,
      remoteDomain: 'isp.test',
      remoteUser,
      remoteSecret: 'enc:secret',
      auth: 'CLR',
      tls: false,
      enabled: true,
      ...extra,
    });

    it('adds and lists links per account and overall, in insertion order', async () => {
      const s = ctx.s;
      await addUser(s, 'pop.test', 'alice');
      await addUser(s, 'pop.test', 'bob');
      await s.pop3Links.addLink(link(alice, 'a1'));
      await s.pop3Links.addLink(link(bob, 'b1', { auth: 'APOP', tls: true }));
      await s.pop3Links.addLink(link(alice, 'a2', { enabled: false }));
      await rejectsWith(
        s.pop3Links.addLink(link(alice, 'a1', { remoteSecret: 'other' })),
        'AlreadyExistsError',
      );
      assert.deepEqual(
        plain(await s.pop3Links.listLinks(alice)),
        plain([link(alice, 'a1'), link(alice, 'a2', { enabled: false })]),
      );
      assert.deepEqual(
        plain(await s.pop3Links.listLinks()),
        plain([
          link(alice, 'a1'),
          link(bob, 'b1', { auth: 'APOP', tls: true }),
          link(alice, 'a2', { enabled: false }),
        ]),
      );
    });

    it('enables, disables and deletes links', async () => {
      const s = ctx.s;
      await s.pop3Links.setLinkEnabled(alice, 'isp.test', 'a2', true);
      await s.pop3Links.setLinkEnabled(alice, 'isp.test', 'a1', false);
      assert.deepEqual(
        (await s.pop3Links.listLinks(alice)).map((l) => [l.remoteUser, l.enabled]),
        [
          ['a1', false],
          ['a2', true],
        ],
      );
      await rejectsWith(s.pop3Links.setLinkEnabled(alice, 'isp.test', 'nobody', true), 'NotFoundError');
      await s.pop3Links.deleteLink(bob, 'isp.test', 'b1');
      await rejectsWith(s.pop3Links.deleteLink(bob, 'isp.test', 'b1'), 'NotFoundError');
      assert.deepEqual(await s.pop3Links.listLinks(bob), []);
      assert.equal((await s.pop3Links.listLinks()).length, 2);
    });

    it('remembers seen UIDLs per link, replacing the set', async () => {
      const s = ctx.s;
      const a1 = link(alice, 'a1', { enabled: false });
      const a2 = link(alice, 'a2');
      assert.deepEqual(sorted(await s.pop3Links.seenUidls(a1)), []);
      await s.pop3Links.setSeenUidls(a1, ['u1', 'u2', 'u 3', 'Ünï']);
      await s.pop3Links.setSeenUidls(a2, new Set(['other']));
      assert.deepEqual(sorted(await s.pop3Links.seenUidls(a1)), sorted(['u1', 'u2', 'u 3', 'Ünï']));
      await s.pop3Links.setSeenUidls(a1, ['u2', 'u4']);
      assert.deepEqual(sorted(await s.pop3Links.seenUidls(a1)), ['u2', 'u4']);
      assert.deepEqual(sorted(await s.pop3Links.seenUidls(a2)), ['other']);
      await s.pop3Links.setSeenUidls(a1, []);
      assert.deepEqual(sorted(await s.pop3Links.seenUidls(a1)), []);
    });

    it('accepts a link whose local account does not exist (XMail poplnkadd checks nothing)', async () => {
      const s = ctx.s;
      const ghost = { domain: 'pop.test', name: 'ghost' };
      await s.pop3Links.addLink(link(ghost, 'g1'));
      assert.deepEqual(plain(await s.pop3Links.listLinks(ghost)), plain([link(ghost, 'g1')]));
      await s.pop3Links.deleteLink(ghost, 'isp.test', 'g1');
      assert.deepEqual(await s.pop3Links.listLinks(ghost), []);
    });
  });
}

function describeAdmins(open: OpenStorage): void {
  describe('admins', () => {
    const ctx = useStorage(open);

    it('puts, replaces, gets case-insensitively, lists and deletes admins', async () => {
      const s = ctx.s;
      const root = {
        name: 'Root',
        secret: 'enc:1',
        privileges: ['all'],
        createdAt: new Date('2026-01-01T00:00:00Z'),
      };
      await s.admins.putAdmin(root);
      await s.admins.putAdmin({
        name: 'ops',
        secret: 'enc:2',
        privileges: [],
        createdAt: new Date('2026-01-02T00:00:00Z'),
      });
      const got = await s.admins.getAdmin('root');
      assert.equal(got?.name, 'Root');
      assert.equal(got?.secret, 'enc:1');
      assert.deepEqual(got?.privileges, ['all']);
      assert.equal(got?.createdAt.toISOString(), '2026-01-01T00:00:00.000Z');
      await s.admins.putAdmin({ ...root, secret: 'enc:3', privileges: ['users', 'domains'] });
      const replaced = await s.admins.getAdmin('ROOT');
      assert.equal(replaced?.secret, 'enc:3');
      assert.deepEqual(replaced?.privileges, ['users', 'domains']);
      assert.deepEqual(sorted((await s.admins.listAdmins()).map((a) => a.name)), ['Root', 'ops'].sort());
      assert.equal(await s.admins.getAdmin('nobody'), null);
      await s.admins.deleteAdmin('OPS');
      await rejectsWith(s.admins.deleteAdmin('ops'), 'NotFoundError');
      assert.deepEqual(
        (await s.admins.listAdmins()).map((a) => a.name),
        ['Root'],
      );
    });
  });
}

function describeBlobs(open: OpenStorage): void {
  describe('blobs', () => {
    const ctx = useStorage(open);

    it('stores a body, stats it and reads it whole and by range', async () => {
      const s = ctx.s;
      const body = Buffer.from('Subject: blob\r\n\r\n0123456789abcdef\r\n');
      const info = await s.blobs.putBlob(Readable.from([body.subarray(0, 5), body.subarray(5)]));
      assert.equal(info.size, body.length);
      assert.ok(info.id.length > 0);
      assert.deepEqual(await s.blobs.statBlob(info.id), { id: info.id, size: body.length });
      assert.deepEqual(await readAll(await s.blobs.openBlob(info.id)), body);
      assert.deepEqual(
        await readAll(await s.blobs.openBlob(info.id, { start: 17, end: 27 })),
        body.subarray(17, 27),
      );
      assert.deepEqual(await readAll(await s.blobs.openBlob(info.id, { start: 0, end: 0 })), Buffer.alloc(0));
      const empty = await s.blobs.putBlob(Readable.from([]));
      assert.equal(empty.size, 0);
      assert.deepEqual(await readAll(await s.blobs.openBlob(empty.id)), Buffer.alloc(0));
      const other = await putText(s, 'Subject: blob\r\n\r\n0123456789abcdef\r\n');
      assert.notEqual(other.id, info.id, 'every put is its own blob with its own references');
    });

    it('counts references and deletes the blob at zero', async () => {
      const s = ctx.s;
      const info = await putText(s, 'counted');
      await s.blobs.addBlobRef(info.id);
      await s.blobs.releaseBlob(info.id);
      assert.deepEqual(await s.blobs.statBlob(info.id), { id: info.id, size: 7 });
      assert.equal((await readAll(await s.blobs.openBlob(info.id))).toString(), 'counted');
      await s.blobs.releaseBlob(info.id);
      assert.equal(await s.blobs.statBlob(info.id), null);
      await rejectsWith(s.blobs.openBlob(info.id), 'NotFoundError');
      assert.equal(await s.blobs.statBlob('no-such-blob'), null);
      await rejectsWith(s.blobs.openBlob('no-such-blob'), 'NotFoundError');
    });

    it('streams a 50 MB body in and out without holding it in memory', { timeout: 120_000 }, async (t) => {
      const s = ctx.s;
      const chunkSize = 64 * 1024;
      const chunks = 800; // 50 MiB
      const inHash = createHash('sha256');
      let peak = 0;
      const gc = collectGarbage();
      // RSS alone can miss a buffered body that reuses memory freed earlier; heap + external
      // (sampled right after a collection) is what is actually held.
      let peakHeld = 0;
      const held = (): number => {
        const m = process.memoryUsage();
        return m.heapUsed + m.external;
      };
      const sample = (): void => {
        peak = Math.max(peak, process.memoryUsage().rss);
      };
      const collectAndSample = (): void => {
        sample();
        gc();
        peakHeld = Math.max(peakHeld, held());
      };
      // Warm up the path so lazy module loading does not count as growth.
      await s.blobs.releaseBlob((await putText(s, 'warm-up')).id);
      gc();
      const baseline = process.memoryUsage().rss;
      const baselineHeld = held();
      peak = baseline;
      peakHeld = baselineHeld;
      const timer = setInterval(sample, 5);
      try {
        const source = Readable.from(
          (function* generate() {
            for (let i = 0; i < chunks; i++) {
              const chunk = randomFillSync(Buffer.allocUnsafe(chunkSize));
              inHash.update(chunk);
              if (i % 16 === 0) collectAndSample();
              yield chunk;
            }
          })(),
          { objectMode: false, highWaterMark: chunkSize },
        );
        const info = await s.blobs.putBlob(source);
        assert.equal(info.size, chunkSize * chunks);
        sample();

        const outHash = createHash('sha256');
        let outBytes = 0;
        let n = 0;
        for await (const chunk of await s.blobs.openBlob(info.id)) {
          outHash.update(chunk as Buffer);
          outBytes += (chunk as Buffer).length;
          if (n++ % 16 === 0) collectAndSample();
        }
        sample();
        assert.equal(outBytes, chunkSize * chunks);
        assert.equal(outHash.digest('hex'), inHash.digest('hex'));

        const tail = await readAll(
          await s.blobs.openBlob(info.id, { start: info.size - 10, end: info.size }),
        );
        assert.equal(tail.length, 10);
        await s.blobs.releaseBlob(info.id);
        assert.equal(await s.blobs.statBlob(info.id), null);
      } finally {
        clearInterval(timer);
      }
      const growth = (peak - baseline) / (1024 * 1024);
      const heldGrowth = (peakHeld - baselineHeld) / (1024 * 1024);
      t.diagnostic(
        `while streaming 50 MB: peak RSS +${growth.toFixed(1)} MB, heap+external +${heldGrowth.toFixed(1)} MB`,
      );
      assert.ok(
        heldGrowth < 25,
        `heap + external memory grew by ${heldGrowth.toFixed(1)} MB while streaming 50 MB`,
      );
      assert.ok(growth < 25, `peak RSS grew by ${growth.toFixed(1)} MB while streaming 50 MB`);
    });
  });
}

function describeMail(open: OpenStorage, opts: ContractOptions): void {
  describe('mail', () => {
    const ctx = useStorage(open);
    const alice = { domain: 'mail.test', name: 'alice' };
    const bob = { domain: 'mail.test', name: 'bob' };

    it('creates, lists, subscribes and refuses duplicate folders', async () => {
      const s = ctx.s;
      await addUser(s, 'mail.test', 'alice');
      await addUser(s, 'mail.test', 'bob');
      const f = await s.mail.createFolder(alice, 'Sent', { specialUse: '\\Sent' });
      assert.equal(f.path, 'Sent');
      assert.equal(f.specialUse, '\\Sent');
      assert.equal(f.uidNext, 1);
      assert.equal(f.messages, 0);
      assert.equal(f.unseen, 0);
      assert.equal(f.bytes, 0);
      assert.ok(Number.isInteger(f.uidValidity) && f.uidValidity > 0);
      assert.deepEqual(f.account, alice);
      await s.mail.createFolder(alice, 'Archive');
      await s.mail.createFolder(alice, 'Archive/2026');
      await rejectsWith(s.mail.createFolder(alice, 'Sent'), 'AlreadyExistsError');
      await rejectsWith(s.mail.createFolder({ domain: 'mail.test', name: 'ghost' }, 'X'), 'NotFoundError');
      assert.deepEqual(
        (await s.mail.listFolders(alice)).map((x) => x.path),
        ['Archive', 'Archive/2026', 'INBOX', 'Sent'],
      );
      assert.deepEqual(
        (await s.mail.listFolders(bob)).map((x) => x.path),
        ['INBOX'],
      );
      await s.mail.setSubscribed(alice, 'Archive', true);
      assert.equal((await s.mail.getFolder(alice, 'Archive'))?.subscribed, true);
      await s.mail.setSubscribed(alice, 'Archive', false);
      assert.equal((await s.mail.getFolder(alice, 'Archive'))?.subscribed, false);
      assert.equal((await s.mail.getFolder(alice, 'Sent'))?.specialUse, '\\Sent');
      assert.equal(await s.mail.getFolder(alice, 'Nope'), null);
    });

    it('appends with increasing UIDs and MODSEQs and keeps the metadata', async () => {
      const s = ctx.s;
      const before = await s.mail.getFolder(alice, 'INBOX');
      assert.ok(before);
      const mime: MimeNode = {
        part: '',
        contentType: 'multipart/mixed',
        params: { boundary: 'b1' },
        headerStart: 0,
        bodyStart: 40,
        end: 200,
        lines: 9,
        children: [
          {
            part: '1',
            contentType: 'text/plain',
            params: { charset: 'utf-8' },
            encoding: '7bit',
            headerStart: 50,
            bodyStart: 80,
            end: 120,
            lines: 2,
          },
          {
            part: '2',
            contentType: 'message/rfc822',
            params: {},
            disposition: { type: 'attachment', params: { filename: 'x.eml' } },
            headerStart: 130,
            bodyStart: 150,
            end: 190,
            lines: 3,
            envelope: { subject: 'inner' },
          },
        ],
      };
      const blob = await putText(s, 'x'.repeat(200));
      const m1 = await s.mail.append(
        alice,
        'INBOX',
        newMessage(blob, { mime, flags: ['\\Seen', '$Label1'] }),
      );
      const m2 = await s.mail.append(alice, 'INBOX', newMessage(blob));
      await s.blobs.releaseBlob(blob.id);
      assert.equal(m1.uid, 1);
      assert.equal(m2.uid, 2);
      assert.ok(m1.modseq > before.highestModseq);
      assert.ok(m2.modseq > m1.modseq);
      const listed = await s.mail.listMessages(alice, 'INBOX');
      assert.equal(listed.length, 2);
      assert.deepEqual(plain(listed[0].mime), plain(mime));
      assert.deepEqual(plain(listed[0].envelope), plain(TEST_ENVELOPE));
      assert.deepEqual(sorted(listed[0].flags), ['$Label1', '\\Seen']);
      assert.equal(listed[0].blobId, blob.id);
      assert.equal(listed[0].size, 200);
      assert.equal(listed[0].internalDate.toISOString(), '2026-01-02T03:04:05.000Z');
      assert.deepEqual(
        listed.map((m) => [m.uid, m.modseq]),
        [
          [1, m1.modseq],
          [2, m2.modseq],
        ],
      );
      const folder = await s.mail.getFolder(alice, 'INBOX');
      assert.equal(folder?.uidNext, 3);
      assert.equal(folder?.highestModseq, m2.modseq);
      assert.equal(folder?.messages, 2);
      assert.equal(folder?.unseen, 1);
      assert.equal(folder?.bytes, 400);
      assert.equal(folder?.uidValidity, before.uidValidity);
      await rejectsWith(s.mail.append(alice, 'Nope', newMessage(blob)), 'NotFoundError');
    });

    it('lists by UID range and changedSince', async () => {
      const s = ctx.s;
      for (let i = 0; i < 3; i++) await deliver(s, alice, 'INBOX', `Subject: ${i}\r\n\r\n`);
      const all = await s.mail.listMessages(alice, 'INBOX');
      assert.deepEqual(
        all.map((m) => m.uid),
        [1, 2, 3, 4, 5],
      );
      assert.deepEqual(
        (await s.mail.listMessages(alice, 'INBOX', { from: 2, to: 4 })).map((m) => m.uid),
        [2, 3, 4],
      );
      assert.deepEqual(
        (await s.mail.listMessages(alice, 'INBOX', { from: 4, to: Infinity })).map((m) => m.uid),
        [4, 5],
      );
      assert.deepEqual(await s.mail.listMessages(alice, 'INBOX', { from: 9, to: 20 }), []);
      assert.deepEqual(
        (await s.mail.listMessages(alice, 'INBOX', undefined, { changedSince: all[2].modseq })).map(
          (m) => m.uid,
        ),
        [4, 5],
      );
      assert.deepEqual(
        (await s.mail.listMessages(alice, 'INBOX', { from: 1, to: 4 }, { changedSince: all[2].modseq })).map(
          (m) => m.uid,
        ),
        [4],
      );
    });

    it('changes flags with a new MODSEQ and honours UNCHANGEDSINCE', async () => {
      const s = ctx.s;
      const start = await s.mail.getFolder(alice, 'INBOX');
      assert.ok(start);
      const r1 = await s.mail.updateFlags(alice, 'INBOX', {
        uids: [2, 3],
        operation: 'add',
        flags: ['\\Seen', '\\Flagged'],
      });
      assert.deepEqual(r1.failed, []);
      assert.deepEqual(
        r1.updated.map((u) => u.uid),
        [2, 3],
      );
      const mod1 = r1.updated[0].modseq;
      assert.ok(mod1 > start.highestModseq);
      assert.ok(
        r1.updated.every((u) => u.modseq === mod1),
        'one change, one MODSEQ',
      );
      assert.deepEqual(sorted(r1.updated[0].flags), ['\\Flagged', '\\Seen']);
      let folder = await s.mail.getFolder(alice, 'INBOX');
      assert.equal(folder?.highestModseq, mod1);
      assert.equal(folder?.unseen, 2); // 4 and 5; 1 was appended seen

      const r2 = await s.mail.updateFlags(alice, 'INBOX', {
        uids: [3],
        operation: 'remove',
        flags: ['\\Seen'],
      });
      assert.ok(r2.updated[0].modseq > mod1);
      assert.deepEqual(r2.updated[0].flags, ['\\Flagged']);
      const r3 = await s.mail.updateFlags(alice, 'INBOX', { uids: [1], operation: 'set', flags: ['$Work'] });
      assert.deepEqual(r3.updated[0].flags, ['$Work']);

      // 2 was last changed at mod1, 3 after it: UNCHANGEDSINCE mod1 lets 2 through, fails 3.
      const r4 = await s.mail.updateFlags(alice, 'INBOX', {
        uids: [2, 3],
        operation: 'add',
        flags: ['\\Answered'],
        unchangedSince: mod1,
      });
      assert.deepEqual(r4.failed, [3]);
      assert.deepEqual(
        r4.updated.map((u) => u.uid),
        [2],
      );
      const byUid = new Map((await s.mail.listMessages(alice, 'INBOX')).map((m) => [m.uid, m]));
      assert.deepEqual(sorted(byUid.get(2)?.flags ?? []), ['\\Answered', '\\Flagged', '\\Seen']);
      assert.deepEqual(byUid.get(3)?.flags, ['\\Flagged'], 'a failed message is not changed');
      assert.equal(byUid.get(3)?.modseq, r2.updated[0].modseq);
      assert.equal(byUid.get(2)?.modseq, r4.updated[0].modseq);
      folder = await s.mail.getFolder(alice, 'INBOX');
      assert.equal(folder?.highestModseq, r4.updated[0].modseq);
      assert.equal(folder?.unseen, 4); // 1 (lost \Seen to `set`), 3, 4 and 5
      assert.deepEqual(
        (await s.mail.listMessages(alice, 'INBOX', undefined, { changedSince: r3.updated[0].modseq })).map(
          (m) => m.uid,
        ),
        [2],
      );
    });

    it('expunges only \\Deleted messages, optionally among given UIDs, never reusing UIDs', async () => {
      const s = ctx.s;
      await s.mail.updateFlags(alice, 'INBOX', { uids: [1, 2, 4], operation: 'add', flags: ['\\Deleted'] });
      const before = await s.mail.getFolder(alice, 'INBOX');
      assert.deepEqual(await s.mail.expunge(alice, 'INBOX', [2, 3]), [2]);
      const mid = await s.mail.getFolder(alice, 'INBOX');
      assert.ok(before && mid && mid.highestModseq > before.highestModseq, 'expunge bumps HIGHESTMODSEQ');
      assert.deepEqual(await s.mail.expunge(alice, 'INBOX'), [1, 4]);
      assert.deepEqual(await s.mail.expunge(alice, 'INBOX'), []);
      assert.deepEqual(
        (await s.mail.listMessages(alice, 'INBOX')).map((m) => m.uid),
        [3, 5],
      );
      const folder = await s.mail.getFolder(alice, 'INBOX');
      assert.equal(folder?.messages, 2);
      assert.equal(folder?.uidNext, 6);
      const again = await deliver(s, alice, 'INBOX', 'Subject: after expunge\r\n\r\n');
      assert.equal(again.uid, 6);
    });

    it('releases bodies on expunge and shares them on copy', async () => {
      const s = ctx.s;
      const blob = await putText(s, 'Subject: shared\r\n\r\nshared body\r\n');
      const m = await s.mail.append(alice, 'Archive', newMessage(blob, { flags: ['\\Seen', '$Keep'] }));
      await s.blobs.releaseBlob(blob.id);
      assert.ok(await s.blobs.statBlob(blob.id), 'the folder holds a reference');

      const target = await s.mail.getFolder(alice, 'Sent');
      const pairs = await s.mail.copyMessages(alice, 'Archive', [m.uid], 'Sent');
      assert.deepEqual(pairs, [[m.uid, target?.uidNext]]);
      const copied = await s.mail.listMessages(alice, 'Sent');
      assert.equal(copied.length, 1);
      assert.equal(copied[0].blobId, blob.id, 'no body copy');
      assert.deepEqual(sorted(copied[0].flags), ['$Keep', '\\Seen']);
      assert.equal(copied[0].size, blob.size);
      const sent = await s.mail.getFolder(alice, 'Sent');
      assert.equal(sent?.messages, 1);
      assert.equal(sent?.highestModseq, copied[0].modseq);
      assert.ok(target && copied[0].modseq > target.highestModseq);

      await s.mail.updateFlags(alice, 'Archive', { uids: [m.uid], operation: 'add', flags: ['\\Deleted'] });
      assert.deepEqual(await s.mail.expunge(alice, 'Archive'), [m.uid]);
      assert.deepEqual(
        await readAll(await s.blobs.openBlob(blob.id)),
        Buffer.from('Subject: shared\r\n\r\nshared body\r\n'),
      );
      await s.mail.updateFlags(alice, 'Sent', {
        uids: [copied[0].uid],
        operation: 'add',
        flags: ['\\Deleted'],
      });
      await s.mail.expunge(alice, 'Sent');
      assert.equal(await s.blobs.statBlob(blob.id), null, 'released by all references, the blob is gone');
    });

    it('copies several messages in UID order to consecutive UIDs', async () => {
      const s = ctx.s;
      const a = await deliver(s, bob, 'INBOX', 'Subject: a\r\n\r\n');
      const b = await deliver(s, bob, 'INBOX', 'Subject: b\r\n\r\n');
      await s.mail.createFolder(bob, 'Copies');
      const pairs = await s.mail.copyMessages(bob, 'INBOX', [a.uid, b.uid], 'Copies');
      assert.deepEqual(pairs, [
        [a.uid, 1],
        [b.uid, 2],
      ]);
      await rejectsWith(s.mail.copyMessages(bob, 'INBOX', [a.uid], 'Nope'), 'NotFoundError');
    });

    it('renames a folder with its subfolders, keeping UIDVALIDITY and messages', async () => {
      const s = ctx.s;
      await deliver(s, alice, 'Archive/2026', 'Subject: old\r\n\r\n');
      const parent = await s.mail.getFolder(alice, 'Archive');
      const child = await s.mail.getFolder(alice, 'Archive/2026');
      await s.mail.renameFolder(alice, 'Archive', 'Old');
      assert.equal(await s.mail.getFolder(alice, 'Archive'), null);
      assert.equal(await s.mail.getFolder(alice, 'Archive/2026'), null);
      const renamed = await s.mail.getFolder(alice, 'Old');
      const renamedChild = await s.mail.getFolder(alice, 'Old/2026');
      assert.equal(renamed?.uidValidity, parent?.uidValidity);
      assert.equal(renamedChild?.uidValidity, child?.uidValidity);
      assert.equal(renamedChild?.messages, 1);
      assert.equal(renamedChild?.uidNext, child?.uidNext);
      assert.equal((await s.mail.listMessages(alice, 'Old/2026')).length, 1);
      assert.deepEqual(
        (await s.mail.listFolders(alice)).map((f) => f.path),
        ['INBOX', 'Old', 'Old/2026', 'Sent'],
      );
      await rejectsWith(s.mail.renameFolder(alice, 'Nope', 'X'), 'NotFoundError');
      await rejectsWith(s.mail.renameFolder(alice, 'Old', 'Sent'), 'AlreadyExistsError');
    });

    it('deletes a folder and releases its bodies', async () => {
      const s = ctx.s;
      await s.mail.createFolder(alice, 'Trash');
      const blob = await putText(s, 'Subject: trash\r\n\r\n');
      await s.mail.append(alice, 'Trash', newMessage(blob));
      await s.blobs.releaseBlob(blob.id);
      await s.mail.deleteFolder(alice, 'Trash');
      assert.equal(await s.mail.getFolder(alice, 'Trash'), null);
      assert.equal(await s.blobs.statBlob(blob.id), null);
      await rejectsWith(s.mail.deleteFolder(alice, 'Trash'), 'NotFoundError');
      const recreated = await s.mail.createFolder(alice, 'Trash');
      assert.equal(recreated.messages, 0);
    });

    it('sums usage over all folders', async () => {
      const s = ctx.s;
      const folders = await s.mail.listFolders(alice);
      const expected = folders.reduce(
        (acc, f) => ({ bytes: acc.bytes + f.bytes, messages: acc.messages + f.messages }),
        {
          bytes: 0,
          messages: 0,
        },
      );
      let fromMessages = { bytes: 0, messages: 0 };
      for (const f of folders) {
        for (const m of await s.mail.listMessages(alice, f.path)) {
          fromMessages = { bytes: fromMessages.bytes + m.size, messages: fromMessages.messages + 1 };
        }
      }
      assert.deepEqual(expected, fromMessages);
      assert.deepEqual(plain(await s.mail.usage(alice)), expected);
      await addUser(s, 'mail.test', 'carol');
      const carol = { domain: 'mail.test', name: 'carol' };
      assert.deepEqual(plain(await s.mail.usage(carol)), { bytes: 0, messages: 0 });
      await deliver(s, carol, 'INBOX', '12345');
      await s.mail.createFolder(carol, 'B');
      await deliver(s, carol, 'B', '1234567');
      assert.deepEqual(plain(await s.mail.usage(carol)), { bytes: 12, messages: 2 });
    });

    it('imports folder state and messages with their own UIDs and MODSEQs (storage copy)', async () => {
      const s = ctx.s;
      await s.mail.createFolder(bob, 'Imported');
      await s.mail.importFolderState(bob, 'Imported', {
        uidValidity: 12345,
        uidNext: 50,
        highestModseq: 900,
      });
      let folder = await s.mail.getFolder(bob, 'Imported');
      assert.deepEqual([folder?.uidValidity, folder?.uidNext, folder?.highestModseq], [12345, 50, 900]);
      await s.mail.importFolderState(bob, 'Imported', { uidValidity: 12345, uidNext: 10, highestModseq: 5 });
      folder = await s.mail.getFolder(bob, 'Imported');
      assert.deepEqual([folder?.uidNext, folder?.highestModseq], [50, 900], 'never lowered');
      await rejectsWith(
        s.mail.importFolderState(bob, 'Nope', { uidValidity: 1, uidNext: 1, highestModseq: 1 }),
        'NotFoundError',
      );

      const blob = await putText(s, 'Subject: imported\r\n\r\n');
      const meta = { ...newMessage(blob, { flags: ['\\Seen', '$Old'] }), uid: 70, modseq: 1000 };
      assert.equal(await s.mail.importMessage(bob, 'Imported', meta), true);
      assert.equal(await s.mail.importMessage(bob, 'Imported', { ...meta, flags: [] }), false);
      await s.blobs.releaseBlob(blob.id);
      const listed = await s.mail.listMessages(bob, 'Imported');
      assert.deepEqual(
        listed.map((m) => [m.uid, m.modseq, sorted(m.flags)]),
        [[70, 1000, ['$Old', '\\Seen']]],
      );
      folder = await s.mail.getFolder(bob, 'Imported');
      assert.equal(folder?.uidNext, 71);
      assert.equal(folder?.highestModseq, 1000);
      assert.equal(folder?.uidValidity, 12345);
      await rejectsWith(s.mail.importMessage(bob, 'Nope', meta), 'NotFoundError');

      const next = await deliver(s, bob, 'Imported', 'Subject: after import\r\n\r\n');
      assert.equal(next.uid, 71);
      assert.ok(next.modseq > 1000);
      await s.mail.updateFlags(bob, 'Imported', { uids: [70], operation: 'add', flags: ['\\Deleted'] });
      await s.mail.expunge(bob, 'Imported', [70]);
      assert.equal(await s.blobs.statBlob(blob.id), null, 'the import took exactly one reference');
    });

    it('allocates unique UIDs to concurrent appends in one process', async () => {
      const s = ctx.s;
      await s.mail.createFolder(bob, 'Busy');
      const blob = await putText(s, 'Subject: busy\r\n\r\n');
      const results = await Promise.all(
        Array.from({ length: 40 }, () => s.mail.append(bob, 'Busy', newMessage(blob))),
      );
      await s.blobs.releaseBlob(blob.id);
      assert.deepEqual(
        sorted(results.map((m) => String(m.uid).padStart(3, '0'))),
        Array.from({ length: 40 }, (_, i) => String(i + 1).padStart(3, '0')),
      );
      assert.equal(new Set(results.map((m) => m.modseq)).size, 40, 'MODSEQs are unique too');
      const folder = await s.mail.getFolder(bob, 'Busy');
      assert.equal(folder?.uidNext, 41);
      assert.equal(folder?.messages, 40);
    });

    it(
      'allocates unique, ascending UIDs to two processes appending at once',
      { skip: opts.childProcessUrl ? false : 'no childProcessUrl given', timeout: 120_000 },
      async () => {
        const s = ctx.s;
        const url = opts.childProcessUrl?.() ?? '';
        await s.mail.createFolder(bob, 'Shared');
        const blob = await putText(s, 'Subject: shared by processes\r\n\r\n');
        const perProcess = 150;
        const results = await runUidWriters(url, bob, 'Shared', blob, perProcess, ['p1', 'p2']);

        const all: number[] = [];
        for (const [tag, uids] of results) {
          assert.equal(uids.length, perProcess, `${tag} appended all`);
          for (let i = 1; i < uids.length; i++)
            assert.ok(uids[i] > uids[i - 1], `${tag}: UIDs ascend in append order`);
          all.push(...uids);
        }
        assert.equal(new Set(all).size, all.length, 'no UID was given twice');
        const listed = await s.mail.listMessages(bob, 'Shared');
        assert.equal(listed.length, 2 * perProcess);
        assert.deepEqual(
          listed.map((m) => m.uid),
          [...all].sort((a, b) => a - b),
        );
        // Each child tagged its messages; the stored tag matches the UID the child was given.
        const byUid = new Map(listed.map((m) => [m.uid, m.flags.join(' ')]));
        for (const [tag, uids] of results) {
          uids.forEach((uid, i) => assert.equal(byUid.get(uid), `$${tag}-${i}`));
        }
        assert.equal(new Set(listed.map((m) => m.modseq)).size, listed.length, 'MODSEQs are unique');
        const folder = await s.mail.getFolder(bob, 'Shared');
        assert.equal(folder?.uidNext, Math.max(...all) + 1);
        assert.equal(folder?.messages, 2 * perProcess);
        assert.equal(folder?.highestModseq, Math.max(...listed.map((m) => m.modseq)));
        await s.blobs.releaseBlob(blob.id);
        assert.ok(await s.blobs.statBlob(blob.id), 'the appended messages hold references');
        await s.mail.deleteFolder(bob, 'Shared');
        assert.equal(await s.blobs.statBlob(blob.id), null, 'all child references were counted');
      },
    );
  });
}

/**
 * Starts one uid-writer child per tag, lets them all start appending at the same moment, and
 * resolves the UIDs each was given, in its append order.
 */
async function runUidWriters(
  url: string,
  key: AccountKey,
  folder: string,
  blob: { id: string; size: number },
  count: number,
  tags: string[],
): Promise<Map<string, number[]>> {
  const script = fileURLToPath(new URL('./uid-writer.js', import.meta.url));
  const children = tags.map((tag) => {
    const child = spawn(
      process.execPath,
      [script, url, key.domain, key.name, folder, String(count), tag, blob.id, String(blob.size)],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const ready = new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (out.includes('ready\n')) resolve();
      };
      child.stdout.on('data', check);
      child.on('exit', (code) =>
        reject(new Error(`uid-writer ${tag} exited (${code}) before ready: ${err}`)),
      );
    });
    const done = new Promise<number[]>((resolve, reject) => {
      child.on('exit', (code) => {
        if (code !== 0) return reject(new Error(`uid-writer ${tag} exited with ${code}: ${err}`));
        const uids = out
          .split('\n')
          .filter((l) => /^uid \d+$/.test(l))
          .map((l) => Number(l.slice(4)));
        resolve(uids);
      });
    });
    done.catch(() => undefined);
    return { tag, child, ready, done };
  });
  try {
    await Promise.all(children.map((c) => c.ready));
    for (const c of children) c.child.stdin.end('go\n');
    const out = new Map<string, number[]>();
    for (const c of children) out.set(c.tag, await c.done);
    return out;
  } finally {
    for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGKILL');
  }
}

function describeEvents(open: OpenStorage): void {
  describe('event log', () => {
    const ctx = useStorage(open);

    it('assigns increasing ids and the time, and reads by time', async () => {
      const s = ctx.s;
      const t0 = Date.now();
      const e1 = await s.events.appendEvent({
        log: 'Activity',
        type: 'Login',
        text: 'one',
        params: { Mailbox: 'a@b.test' },
      });
      const e2 = await s.events.appendEvent({ log: 'Activity', type: 'Logout', text: 'two', params: {} });
      const e3 = await s.events.appendEvent({
        log: 'errors',
        type: 'Fail',
        text: 'three "q"\tx',
        params: { Host: 'h', Protocol: 'smtp' },
      });
      assert.ok(eventIdLess(e1.id, e2.id) && eventIdLess(e2.id, e3.id), `${e1.id} < ${e2.id} < ${e3.id}`);
      assert.ok(e1.time instanceof Date && Math.abs(e1.time.getTime() - t0) < 60_000);
      assert.equal(e1.log, 'Activity');
      const since = new Date(t0 - 1000);
      const activity = await s.events.readEvents('Activity', since);
      assert.deepEqual(
        activity.map((e) => [e.id, e.type, e.text]),
        [
          [e1.id, 'Login', 'one'],
          [e2.id, 'Logout', 'two'],
        ],
      );
      assert.deepEqual(activity[0].params, { Mailbox: 'a@b.test' });
      assert.equal(activity[0].time.getTime(), e1.time.getTime());
      const errors = await s.events.readEvents('errors', since);
      assert.equal(errors[0].text, 'three "q"\tx');
      assert.deepEqual(errors[0].params, { Host: 'h', Protocol: 'smtp' });
      assert.deepEqual(
        (await s.events.readEvents('Activity', since, 1)).map((e) => e.id),
        [e1.id],
      );
      assert.deepEqual(await s.events.readEvents('Activity', new Date(Date.now() + 3_600_000)), []);
      assert.deepEqual(await s.events.readEvents('nothing', since), []);
    });

    it('reads by explicit time', async () => {
      const s = ctx.s;
      const base = Date.parse('2026-02-01T00:00:00Z');
      for (let i = 0; i < 5; i++) {
        await s.events.appendEvent({
          log: 'Timed',
          type: 'T',
          text: `t${i}`,
          params: {},
          time: new Date(base + i * 60_000),
        });
      }
      const got = await s.events.readEvents('Timed', new Date(base + 2 * 60_000));
      assert.deepEqual(
        got.map((e) => e.text),
        ['t2', 't3', 't4'],
      );
      assert.equal(got[0].time.toISOString(), '2026-02-01T00:02:00.000Z');
    });

    it('follows a log with eventsAfter', async () => {
      const s = ctx.s;
      const appended = [];
      for (let i = 0; i < 4; i++)
        appended.push(await s.events.appendEvent({ log: 'Follow', type: 'F', text: `f${i}`, params: {} }));
      await s.events.appendEvent({ log: 'Other', type: 'F', text: 'elsewhere', params: {} });
      assert.deepEqual(
        (await s.events.eventsAfter('Follow', '')).map((e) => e.text),
        ['f0', 'f1', 'f2', 'f3'],
      );
      assert.deepEqual(
        (await s.events.eventsAfter('Follow', '', 2)).map((e) => e.text),
        ['f0', 'f1'],
      );
      assert.deepEqual(
        (await s.events.eventsAfter('Follow', appended[1].id)).map((e) => e.text),
        ['f2', 'f3'],
      );
      const cursor = appended[3].id;
      assert.deepEqual(await s.events.eventsAfter('Follow', cursor), []);
      const later = await s.events.appendEvent({ log: 'Follow', type: 'F', text: 'f4', params: {} });
      const followed = await s.events.eventsAfter('Follow', cursor);
      assert.deepEqual(
        followed.map((e) => [e.id, e.text]),
        [[later.id, 'f4']],
      );
    });

    it('imports events with their own identifiers (storage copy)', async () => {
      const s = ctx.s;
      const nowSecs = Math.floor(Date.now() / 1000);
      const imported = {
        id: `${nowSecs - 5}.5000000`,
        log: 'Follow',
        time: new Date('2026-01-15T12:00:00.000Z'),
        type: 'Imported',
        text: 'from another store',
        params: { Host: 'old' },
      };
      const cursor = (await s.events.eventsAfter('Follow', '')).at(-1)?.id ?? '';
      assert.equal(await s.events.importEvent(imported), true);
      assert.equal(await s.events.importEvent({ ...imported, text: 'again' }), false);
      const got = (await s.events.eventsAfter('Follow', cursor)).filter((e) => e.id === imported.id);
      assert.equal(got.length, 1);
      assert.equal(got[0].text, 'from another store');
      assert.equal(got[0].time.toISOString(), '2026-01-15T12:00:00.000Z');
      assert.deepEqual(got[0].params, { Host: 'old' });
      const later = await s.events.appendEvent({
        log: 'Follow',
        type: 'F',
        text: 'after import',
        params: {},
      });
      assert.ok(eventIdLess(imported.id, later.id), `${imported.id} < ${later.id}`);
      assert.deepEqual(
        (await s.events.eventsAfter('Follow', imported.id)).map((e) => e.text),
        ['after import'],
      );
    });

    it('lists logs case-insensitively sorted', async () => {
      const s = ctx.s;
      await s.events.appendEvent({ log: 'security', type: 'S', text: 's', params: {} });
      assert.deepEqual(await s.events.listLogs(), [
        'Activity',
        'errors',
        'Follow',
        'Other',
        'security',
        'Timed',
      ]);
    });

    it('expires old events', async () => {
      const s = ctx.s;
      const old = new Date('2000-01-01T00:00:00Z');
      await s.events.appendEvent({ log: 'Ancient', type: 'A', text: 'a1', params: {}, time: old });
      await s.events.appendEvent({
        log: 'Ancient',
        type: 'A',
        text: 'a2',
        params: {},
        time: new Date(old.getTime() + 1000),
      });
      await s.events.appendEvent({ log: 'Activity', type: 'A', text: 'a3', params: {}, time: old });
      const before = await s.events.readEvents('Activity', new Date(0));
      // Everything before 2001: the three ancient events only.
      const cutoff = new Date('2001-01-01T00:00:00Z');
      assert.equal(await s.events.expireEvents(cutoff), 3);
      assert.deepEqual(await s.events.readEvents('Ancient', new Date(0)), []);
      assert.deepEqual(
        (await s.events.readEvents('Activity', new Date(0))).map((e) => e.text),
        before.map((e) => e.text).filter((t) => t !== 'a3'),
      );
      assert.ok(!(await s.events.listLogs()).includes('Ancient'));
      assert.equal((await s.events.readEvents('Timed', new Date(0))).length, 5);
      assert.equal(await s.events.expireEvents(cutoff), 0);
    });
  });
}

function describeFiles(open: OpenStorage): void {
  describe('file tree', () => {
    const ctx = useStorage(open);

    it('writes, reads, replaces, lists and deletes files', async () => {
      const s = ctx.s;
      assert.equal(await s.files.readFile('ct/none.tab'), null);
      await s.files.writeFile('ct/b.tab', Buffer.from('"b"\t"1"\n'));
      await s.files.writeFile('ct/a.tab', Readable.from([Buffer.from('"a"\n'), Buffer.from('"more"\n')]));
      await s.files.writeFile('ct/sub/deep.tab', Buffer.from('deep'));
      await s.files.writeFile('top.tab', Buffer.from('top'));
      assert.equal(await s.files.hasDirectory(''), true);
      assert.equal(await s.files.hasDirectory('ct'), true);
      assert.equal(await s.files.hasDirectory('ct/sub'), true);
      assert.equal(await s.files.hasDirectory('c'), false, 'a prefix of a directory name is not one');
      assert.equal(await s.files.hasDirectory('ct/none'), false);
      assert.equal(await s.files.hasDirectory('top.tab'), false, 'a file is not a directory');
      assert.deepEqual(await s.files.readFile('ct/a.tab'), Buffer.from('"a"\n"more"\n'));
      assert.deepEqual(await s.files.readFile('ct/sub/deep.tab'), Buffer.from('deep'));
      assert.deepEqual(plain(await s.files.listFiles('ct')), [
        { path: 'ct/a.tab', size: 11 },
        { path: 'ct/b.tab', size: 8 },
      ]);
      assert.deepEqual(plain(await s.files.listFiles('ct/sub')), [{ path: 'ct/sub/deep.tab', size: 4 }]);
      assert.ok((await s.files.listFiles('')).some((f) => f.path === 'top.tab' && f.size === 3));
      assert.deepEqual(await s.files.listFiles('nothing-here'), []);

      await s.files.writeFile('ct/b.tab', Buffer.from('replaced'));
      assert.deepEqual(await s.files.readFile('ct/b.tab'), Buffer.from('replaced'));
      await s.files.writeFile('ct/b.tab', Buffer.alloc(0));
      assert.deepEqual(await s.files.readFile('ct/b.tab'), Buffer.alloc(0));

      assert.equal(await s.files.deleteFile('ct/b.tab'), true);
      assert.equal(await s.files.deleteFile('ct/b.tab'), false);
      assert.equal(await s.files.readFile('ct/b.tab'), null);
      assert.deepEqual(
        (await s.files.listFiles('ct')).map((f) => f.path),
        ['ct/a.tab'],
      );
    });

    it('keeps binary content and larger streamed files intact', async () => {
      const s = ctx.s;
      const big = randomFillSync(Buffer.alloc(3 * 1024 * 1024 + 17));
      const parts = [big.subarray(0, 1000), big.subarray(1000, 2_000_000), big.subarray(2_000_000)];
      await s.files.writeFile('bin/blob.dat', Readable.from(parts));
      const back = await s.files.readFile('bin/blob.dat');
      assert.ok(back && back.equals(big));
      assert.deepEqual(plain(await s.files.listFiles('bin')), [{ path: 'bin/blob.dat', size: big.length }]);
    });

    it('walks configuration files but not the records of the other ports', async () => {
      const s = ctx.s;
      const marker = `marker-${Date.now()}-walk`;
      const key = await addUser(s, 'walk.test', 'walker');
      await s.accounts.setVars(key, [['RealName', marker]]);
      await s.accounts.addMember(key, { address: `${marker}@x.test`, perms: 'RW' });
      await deliver(s, key, 'INBOX', `Subject: ${marker}\r\n\r\n${marker}\r\n`);
      await s.routes.addRoute({ domain: 'walk.test', local: marker, target: key, origin: 'alias' });
      await s.events.appendEvent({ log: 'Walk', type: 'W', text: marker, params: {} });
      await s.admins.putAdmin({ name: marker, secret: 's', privileges: [], createdAt: new Date() });
      await s.files.writeFile('walk-root.tab', Buffer.from('"root"\n'));
      await s.files.writeFile('custdomains/walk.test.tab', Buffer.from('"smtp"\n'));
      await s.files.writeFile('domains/walk.test/mailproc.tab', Buffer.from('"mailbox"\n'));
      await s.files.writeFile(
        'domains/walk.test/walker/mailproc.tab',
        Buffer.from('"mailbox"\n"redirect"\n'),
      );

      const walked = new Map<string, number>();
      for await (const entry of s.files.walkFiles()) walked.set(entry.path, entry.size);
      for (const [p, size] of [
        ['walk-root.tab', 7],
        ['custdomains/walk.test.tab', 7],
        ['domains/walk.test/mailproc.tab', 10],
        ['domains/walk.test/walker/mailproc.tab', 21],
        ['ct/a.tab', 11],
      ] as const) {
        assert.equal(walked.get(p), size, `walkFiles yields ${p}`);
      }
      for (const p of walked.keys()) {
        const content = await s.files.readFile(p);
        assert.ok(content, `${p} is readable through the tree`);
        assert.ok(!content.includes(marker), `${p} holds another port's record`);
      }
    });
  });
}

function describeDomainCascade(open: OpenStorage): void {
  describe('domain delete cascade', () => {
    const ctx = useStorage(open);

    it('removes everything under a domain and nothing else', async () => {
      const s = ctx.s;
      const gone = await addUser(s, 'gone.test', 'alice');
      const keep = await addUser(s, 'keep.test', 'kim');
      await s.accounts.addAccount({
        domain: 'gone.test',
        name: 'list',
        kind: 'list',
        credential: { scheme: 'none' },
        vars: [],
      });
      await s.accounts.addMember({ domain: 'gone.test', name: 'list' }, { address: 'x@y.test', perms: 'RW' });
      const goneMsg = await deliver(s, gone, 'INBOX', 'Subject: gone\r\n\r\n');
      const keepMsg = await deliver(s, keep, 'INBOX', 'Subject: kept\r\n\r\n');
      await s.mail.createFolder(gone, 'Sub');
      await deliver(s, gone, 'Sub', 'Subject: gone too\r\n\r\n');

      await s.routes.addRoute({ domain: 'gone.test', local: 'a', target: gone, origin: 'alias' });
      await s.routes.addRoute({ domain: 'keep.test', local: 'to-gone', target: gone, origin: 'alias' });
      await s.routes.addRoute({ domain: 'keep.test', local: 'k', target: keep, origin: 'alias' });
      await s.routes.addExternalAlias({ remote: { domain: 'far.test', name: 'g' }, local: gone });
      await s.routes.addExternalAlias({ remote: { domain: 'far.test', name: 'k' }, local: keep });
      await s.domains.addAliasDomain({ alias: 'alias-gone.test', domain: 'gone.test' });
      await s.domains.addAliasDomain({ alias: 'alias-keep.test', domain: 'keep.test' });
      const link = {
        remoteDomain: 'isp.test',
        remoteUser: 'r',
        remoteSecret: 's',
        auth: 'CLR' as const,
        tls: false,
        enabled: true,
      };
      await s.pop3Links.addLink({ ...link, local: gone });
      await s.pop3Links.addLink({ ...link, local: keep });
      await s.files.writeFile('domains/gone.test/mailproc.tab', Buffer.from('"mailbox"\n'));
      await s.files.writeFile('domains/keep.test/mailproc.tab', Buffer.from('"mailbox"\n'));

      await s.domains.deleteDomain('gone.test');

      assert.equal(await s.domains.getDomain('gone.test'), null);
      assert.deepEqual(
        (await s.domains.listDomains()).map((d) => d.name),
        ['keep.test'],
      );
      assert.equal(await s.accounts.getAccount(gone), null);
      assert.equal(await s.accounts.countAccounts({ domain: 'gone.test' }), 0);
      assert.deepEqual(
        (await s.accounts.listAccounts({})).items.map((a) => `${a.name}@${a.domain}`),
        ['kim@keep.test'],
      );
      assert.equal(await s.mail.getFolder(gone, 'INBOX'), null);
      assert.equal(await s.blobs.statBlob(goneMsg.blobId), null, 'bodies released');
      assert.ok(await s.blobs.statBlob(keepMsg.blobId));
      assert.deepEqual(await s.routes.routesForDomain('gone.test'), []);
      assert.deepEqual(
        (await s.routes.listRoutes()).map((r) => r.local),
        ['k'],
      );
      assert.deepEqual(
        (await s.routes.listExternalAliases()).map((x) => x.remote.name),
        ['k'],
      );
      assert.deepEqual(
        (await s.domains.listAliasDomains()).map((a) => a.alias),
        ['alias-keep.test'],
      );
      assert.deepEqual(
        (await s.pop3Links.listLinks()).map((l) => l.local.domain),
        ['keep.test'],
      );
      assert.equal(await s.files.readFile('domains/gone.test/mailproc.tab'), null);
      assert.deepEqual(await s.files.readFile('domains/keep.test/mailproc.tab'), Buffer.from('"mailbox"\n'));

      // The name is free again, with nothing left over.
      await s.domains.addDomain('gone.test');
      const back = await s.accounts.addAccount({
        ...gone,
        kind: 'user',
        credential: { scheme: 'none' },
        vars: [],
      });
      assert.equal(back.name, 'alice');
      assert.deepEqual(await s.accounts.listMembers({ domain: 'gone.test', name: 'list' }), []);
      assert.equal(await s.accounts.getAccount({ domain: 'gone.test', name: 'list' }), null);
      assert.deepEqual(
        (await s.mail.listFolders(gone)).map((f) => f.path),
        ['INBOX'],
      );
      assert.equal((await s.mail.getFolder(gone, 'INBOX'))?.messages, 0);
      assert.deepEqual(await s.pop3Links.listLinks(gone), []);
    });
  });
}
