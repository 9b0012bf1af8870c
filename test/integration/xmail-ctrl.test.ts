/**
 * XMail CTRL conformance: raw sockets against a real kernel, exact response lines taken from the
 * XMail 1.27 transcripts (spec /work/shared/specs/xmail-ctrl.md §6) and Mailwright's decisions.
 * Runs over every storage adapter.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AdminServiceToken, LoginServiceToken, type Kernel } from '../../core/index.js';
import { useAdapterInfra } from '../helpers/adapter-infra.js';
import { ADAPTER_NAMES, type TestStorage } from '../helpers/adapters.js';
import { CtrlClient } from '../helpers/ctrl-client.js';
import { startTestKernel } from '../helpers/test-kernel.js';

const OK = ['+00000 OK'];
const err = (line: string): string[] => [line];
const list = (...rows: string[]): string[] => ['+00100 OK', ...rows, '.'];
const row = (...fields: string[]): string => fields.map((f) => `"${f}"`).join('\t');

interface Started {
  kernel: Kernel;
  ctrl: number;
  ctrls: number;
}

async function startKernel(
  dir: string,
  redisUrl: string,
  storage: string,
  settings: Record<string, unknown> = {},
  legacySecrets = false,
): Promise<Started> {
  const { kernel, port } = await startTestKernel(
    {
      storage,
      redis: { url: redisUrl },
      legacySecrets,
      plugins: { 'xmail-ctrl': settings },
      listen: { 'xmail-ctrl': '127.0.0.1:0', 'xmail-ctrls': '127.0.0.1:0' },
    },
    dir,
  );
  await kernel.container.resolve(AdminServiceToken).add('admin', 'secret');
  return { kernel, ctrl: port('xmail-ctrl'), ctrls: port('xmail-ctrls') };
}

const infra = useAdapterInfra('ctrl');

for (const adapter of ADAPTER_NAMES) {
  describe(`XMail CTRL over the ${adapter} adapter`, () => {
    let dir: string;
    let testStorage: TestStorage | undefined;
    let started: Started;
    let c: CtrlClient;

    const connect = (): Promise<CtrlClient> => CtrlClient.connect(started.ctrl);
    const loggedIn = async (): Promise<CtrlClient> => {
      const client = await connect();
      assert.deepEqual(await client.raw(`"admin"\t"${client.md5('secret')}"`), OK);
      return client;
    };

    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), `mw-ctrl-${adapter}-`));
      testStorage = await infra().storages.open(adapter);
      started = await startKernel(dir, infra().redis.url, testStorage.url, { idleTimeoutSeconds: 2 });
      c = await loggedIn();
    });
    after(async () => {
      c?.close();
      await started?.kernel.stop();
      await testStorage?.cleanup();
      await rm(dir, { recursive: true, force: true });
    });

    it('greets with the MD5 timestamp and the XMail date format', async () => {
      const client = await connect();
      assert.match(
        client.greeting,
        /^\+00000 <\d+\.\d+@127\.0\.0\.1> Mailwright \S+ CTRL Server; (Sun|Mon|Tue|Wed|Thu|Fri|Sat), \d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4}$/,
      );
      client.close();
    });

    it('accepts a clear login with an unquoted, upper-case user name', async () => {
      const client = await connect();
      assert.deepEqual(await client.raw('ADMIN\tsecret'), OK);
      assert.deepEqual(await client.command('noop'), OK);
      client.close();
    });

    for (const [what, line] of [
      ['a wrong password', '"admin"\t"wrong"'],
      ['a bad MD5 digest', '"admin"\t"#0123456789abcdef0123456789abcdef"'],
      ['three tokens', '"admin"\t"secret"\t"x"'],
      ['a command instead of credentials', '"noop"'],
      ['an unknown admin', '"nobody"\t"secret"'],
    ]) {
      it(`answers -00105 and closes on ${what}`, async () => {
        const client = await connect();
        assert.deepEqual(await client.raw(line), err('-00105 Bad controller login'));
        assert.equal(await client.closedByServer(), '');
      });
    }

    it('upgrades with #!TLS before login and keeps the original MD5 timestamp', async () => {
      const client = await connect();
      assert.deepEqual(await client.raw('#!TLS'), ['+00000 Ready to start TLS mode']);
      await client.startTls();
      assert.ok(client.encrypted);
      assert.deepEqual(await client.raw('#!TLS'), err('-00242 TLS link already active'));
      assert.deepEqual(await client.raw(`"admin"\t"${client.md5('secret').toUpperCase()}"`), OK);
      assert.deepEqual(await client.command('noop'), OK);
      client.close();
    });

    it('serves the same protocol on the native TLS listener', async () => {
      const client = await CtrlClient.connect(started.ctrls, { tls: true });
      assert.match(client.greeting, /^\+00000 <\d+\.\d+@127\.0\.0\.1> Mailwright/);
      assert.deepEqual(await client.raw(`"admin"\t"${client.md5('secret')}"`), OK);
      assert.deepEqual(await client.command('domainlist'), list());
      client.close();
    });

    it('tokenizes like XMail: collapsed TABs, de-quoting quirks, unknown commands', async () => {
      assert.deepEqual(await c.raw('"bogus"'), err('-00103 Bad CTRL command syntax'));
      assert.deepEqual(await c.raw('"noop"\t"x"'), err('-00103 Bad CTRL command syntax'));
      assert.deepEqual(await c.raw('"NOOP"'), OK);
      assert.deepEqual(await c.raw('"noop"\t\t'), OK);
      assert.deepEqual(await c.raw('\t"noop"'), OK);
      assert.deepEqual(await c.raw('""'), err('-00103 Bad CTRL command syntax'));
      assert.deepEqual(await c.raw(''), err('-00103 Bad CTRL command syntax'));
      assert.deepEqual(await c.raw(' "noop"'), err('-00103 Bad CTRL command syntax'));
      assert.deepEqual(await c.raw('"noop" '), OK);
      assert.deepEqual(await c.raw('"no"op'), err('-00103 Bad CTRL command syntax'));
      assert.deepEqual(await c.raw('"noop"xyz'), OK);
      c.write('"noop"\n');
      assert.deepEqual(await c.response(), OK, 'a bare LF ends a line too');
    });

    it('adds, refuses and lists domains', async () => {
      assert.deepEqual(await c.command('domainadd', 'xmailserver.test'), OK);
      assert.deepEqual(await c.command('domainlist'), list(row('xmailserver.test')));
      assert.deepEqual(await c.command('domainadd', 'example.org'), OK);
      assert.deepEqual(await c.command('domainadd', 'Example.ORG'), err('-00231 Already exist'));
      assert.deepEqual(await c.command('domainadd', 'bad domain'), err('-00260 Invalid host name'));
      assert.deepEqual(
        await c.command('domainadd', '.bad.org'),
        err('-00132 Bad tag ( From: , etc ... ) address'),
      );
      assert.deepEqual(await c.command('domainlist', 'nothing*', 'EXAMPLE.*'), list(row('example.org')));
    });

    it('adds users and mailing lists with XMail errors', async () => {
      assert.deepEqual(await c.command('useradd', 'example.org', 'alice', 'pw1', 'U'), OK);
      assert.deepEqual(
        await c.command('useradd', 'example.org', 'ALICE', 'pw1', 'U'),
        err('-00013 User already exist'),
      );
      assert.deepEqual(
        await c.command('useradd', 'nodomain.test', 'bob', 'pw', 'U'),
        err('-00059 POP3 domain not handled'),
      );
      assert.deepEqual(
        await c.command('useradd', 'example.org', 'bad user', 'pw', 'U'),
        err('-00216 Name does not respect RFC822'),
      );
      assert.deepEqual(await c.command('useradd', 'example.org', 'list1', 'pw', 'M'), OK);
      const listing = await c.command('userlist', 'example.org');
      assert.equal(listing.length, 4);
      assert.equal(listing[0], '+00100 OK');
      // Decision 4: scrypt by default, the stored hash is what userlist shows.
      assert.match(listing[1], /^"example\.org"\t"alice"\t"scrypt\$[^"\t]+"\t"U"$/);
      assert.match(listing[2], /^"example\.org"\t"list1"\t"scrypt\$[^"\t]+"\t"M"$/);
      assert.equal(listing[3], '.');
      assert.deepEqual(await c.command('userlist', 'example.org', 'l*'), [listing[0], listing[2], '.']);
    });

    it('pages userlist and counts users (AfterLogic extension, unverified against a server)', async () => {
      const paged = await c.command('userlist', 'example.org', '*', '1', '10');
      assert.equal(paged.length, 3);
      assert.match(paged[1], /^"example\.org"\t"list1"\t/);
      // A wildcard domain is filtered after the store's name filter, then paged.
      const wild = await c.command('userlist', 'EX*', '[A-L]*', '1', '5');
      assert.equal(wild.length, 3);
      assert.match(wild[1], /^"example\.org"\t"list1"\t/);
      assert.deepEqual(await c.command('userlist', 'example.org', 'list1.'), list());
      assert.deepEqual(
        await c.command('userlist', 'example.org', '*', '0'),
        err('-00103 Bad CTRL command syntax'),
      );
      assert.deepEqual(
        await c.command('usercount'),
        list(row('example.org', '2'), row('xmailserver.test', '0')),
      );
      assert.deepEqual(await c.command('usercount', 'ex*'), list(row('example.org', '2')));
    });

    it('answers user lookups with -00012 only for userdel (note A)', async () => {
      assert.deepEqual(await c.command('userdel', 'example.org', 'nobody'), err('-00012 User not found'));
      assert.deepEqual(
        await c.command('userpasswd', 'example.org', 'nobody', 'x'),
        err('-00157 Record not found in TAB file'),
      );
      assert.deepEqual(
        await c.command('uservars', 'example.org', 'nobody'),
        err('-00157 Record not found in TAB file'),
      );
      assert.deepEqual(
        await c.command('userauth', 'example.org', 'alice', 'bad'),
        err('-00024 Invalid password'),
      );
      assert.deepEqual(await c.command('userauth', 'example.org', 'alice', 'pw1'), OK);
      assert.deepEqual(await c.raw('"userauth"\t"example.org"\t\t"alice"\t"pw1"'), OK);
      assert.deepEqual(await c.command('userpasswd', 'example.org', 'alice', 'pw2'), OK);
      assert.deepEqual(
        await c.command('userauth', 'example.org', 'alice', 'pw1'),
        err('-00024 Invalid password'),
      );
      assert.deepEqual(await c.command('userpasswd', 'example.org', 'alice', 'pw1'), OK);
    });

    it('reports userstat in XMail order, for users and aliases', async () => {
      const stat = await c.command('userstat', 'example.org', 'alice');
      assert.equal(stat.length, 7);
      assert.deepEqual(stat.slice(0, 4), [
        '+00100 OK',
        row('RealAddress', 'alice@example.org'),
        row('MailboxSize', '0'),
        row('MailboxMessages', '0'),
      ]);
      assert.match(
        stat[4],
        /^"LastLoginTimeDate"\t"(Sun|Mon|Tue|Wed|Thu|Fri|Sat), \d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4}"$/,
      );
      assert.deepEqual(stat.slice(5), [row('LastLoginIP', '0.0.0.0'), '.']);
      assert.deepEqual(
        await c.command('userstat', 'example.org', 'ghost'),
        err('-00157 Record not found in TAB file'),
      );
    });

    it('keeps user variables in order, with userdef defaults, quirks and .|rm', async () => {
      assert.deepEqual(
        await c.command('uservarsset', 'example.org', 'alice', 'RealName', 'Alice A', 'Telephone', '.|rm'),
        OK,
      );
      assert.deepEqual(
        await c.command('uservarsset', 'example.org', 'alice', 'RealName'),
        err('-00103 Bad CTRL command syntax'),
      );
      assert.deepEqual(
        await c.command('uservars', 'example.org', 'alice'),
        list(
          row('RealName', 'Alice A'),
          row('HomePage', '??'),
          row('Address', '??'),
          row('MaxMBSize', '10000'),
          row('SmtpPerms', 'MR'),
          row('ReceiveEnable', '1'),
          row('PopEnable', '1'),
        ),
      );
      assert.deepEqual(
        await c.raw('"uservarsset"\t"example.org"\t"alice"\t"RealName"\t"Al \\"Q\\" x\\\\y"'),
        OK,
      );
      assert.equal((await c.command('uservars', 'example.org', 'alice'))[1], '"RealName"\t"Al "Q" x\\\\y"');
      assert.deepEqual(await c.raw('"uservarsset"\t"example.org"\t"alice"\t"Custom"\t"abc"def'), OK);
      assert.equal((await c.command('uservars', 'example.org', 'alice')).at(-2), row('Custom', 'abc'));
    });

    it('adds, lists and deletes aliases', async () => {
      assert.deepEqual(await c.command('aliasadd', 'example.org', 'al', 'alice'), OK);
      assert.deepEqual(
        await c.command('aliasadd', 'example.org', 'al', 'alice'),
        err('-00026 Alias already exist'),
      );
      assert.deepEqual(
        await c.command('aliasadd', 'example.org', 'alice', 'alice'),
        err('-00013 User already exist'),
      );
      assert.deepEqual(
        await c.command('aliasadd', 'example.org', 'al2', 'ghost'),
        err('-00157 Record not found in TAB file'),
      );
      assert.deepEqual(await c.command('aliasadd', 'nodomain.test', 'x', 'alice@example.org'), OK);
      assert.deepEqual(
        await c.command('aliaslist', 'EXAMPLE.org', 'a?'),
        list(row('example.org', 'al', 'alice')),
      );
      assert.deepEqual(
        await c.command('aliaslist'),
        list(row('example.org', 'al', 'alice'), row('nodomain.test', 'x', 'alice@example.org')),
      );
      assert.deepEqual(await c.command('aliasdel', 'example.org', 'nothere'), err('-00028 Alias not found'));
      assert.deepEqual(
        await c.command('useradd', 'example.org', 'al', 'pw', 'U'),
        err('-00026 Alias already exist'),
      );
      assert.equal(
        (await c.command('userstat', 'example.org', 'AL'))[1],
        row('RealAddress', 'alice@example.org'),
      );
      assert.deepEqual(await c.command('aliasdel', 'nodomain.test', 'X'), OK);
      assert.deepEqual(await c.command('aliaslist', 'nodomain.test'), list());
    });

    it('lists an alias account exactly as aliasadd was given it, as XMail does', async () => {
      assert.deepEqual(await c.command('aliasadd', 'example.org', 'qa', 'alice@example.org'), OK);
      assert.deepEqual(await c.command('aliasadd', 'example.org', 'qb', 'ALICE'), OK);
      assert.deepEqual(await c.command('aliasadd', 'example.org', 'qc', 'Alice@EXAMPLE.org'), OK);
      assert.deepEqual(await c.raw('"aliaslist"\t"example.org"\t"q*"'), [
        '+00100 OK',
        '"example.org"\t"qa"\t"alice@example.org"',
        '"example.org"\t"qb"\t"ALICE"',
        '"example.org"\t"qc"\t"Alice@EXAMPLE.org"',
        '.',
      ]);
      assert.deepEqual(
        await c.command('aliaslist', '*', '*', '*@example.org'),
        list(row('example.org', 'qa', 'alice@example.org'), row('example.org', 'qc', 'Alice@EXAMPLE.org')),
      );
      for (const alias of ['qa', 'qb', 'qc'])
        assert.deepEqual(await c.command('aliasdel', 'example.org', alias), OK);
    });

    it('adds, lists and deletes external aliases', async () => {
      assert.deepEqual(
        await c.command('exaliasadd', 'alice', 'x@y.z'),
        err('-00132 Bad tag ( From: , etc ... ) address'),
      );
      assert.deepEqual(await c.command('exaliasadd', 'alice@example.org', 'alice@remote.net'), OK);
      assert.deepEqual(
        await c.command('exaliasadd', 'list1@example.org', 'ALICE@remote.net'),
        err('-00067 External alias already exist'),
      );
      assert.deepEqual(
        await c.command('exaliaslist', '*@example.org'),
        list(row('remote.net', 'alice', 'example.org', 'alice')),
      );
      assert.deepEqual(
        await c.command('exaliaslist', '*'),
        err('-00132 Bad tag ( From: , etc ... ) address'),
      );
      assert.deepEqual(
        await c.command('exaliasdel', 'nobody@remote.net'),
        err('-00069 External alias not found'),
      );
    });

    it('manages mailing-list members', async () => {
      assert.deepEqual(
        await c.command('mluseradd', 'example.org', 'alice', 'bob@x.org'),
        err('-00050 User is not a mailing list'),
      );
      assert.deepEqual(
        await c.command('mluseradd', 'example.org', 'ghost', 'bob@x.org'),
        err('-00157 Record not found in TAB file'),
      );
      assert.deepEqual(
        await c.command('mluseradd', 'nodomain.test', 'list1', 'bob@x.org'),
        err('-00059 POP3 domain not handled'),
      );
      assert.deepEqual(
        await c.command('mluseradd', 'example.org', 'list1', 'bob'),
        err('-00132 Bad tag ( From: , etc ... ) address'),
      );
      assert.deepEqual(await c.command('mluseradd', 'example.org', 'list1', 'bob@x.org'), OK);
      assert.deepEqual(await c.command('mluseradd', 'example.org', 'list1', 'dan@x.org', 'ZZ'), OK);
      assert.deepEqual(
        await c.command('mluseradd', 'example.org', 'list1', 'Bob@X.org'),
        err('-00052 Mailing list user already exist'),
      );
      assert.deepEqual(
        await c.command('mluserlist', 'example.org', 'list1'),
        list(row('bob@x.org', 'RW'), row('dan@x.org', 'ZZ')),
      );
      assert.deepEqual(await c.command('mluserdel', 'example.org', 'list1', 'BOB@x.org'), OK);
      assert.deepEqual(
        await c.command('mluserdel', 'example.org', 'list1', 'bob@x.org'),
        err('-00053 Mailing list user not found'),
      );
      assert.deepEqual(await c.command('mluserlist', 'example.org', 'list1'), list(row('dan@x.org', 'ZZ')));
    });

    it('manages alias domains (decisions 9 and 11)', async () => {
      assert.deepEqual(
        await c.command('aliasdomainadd', 'example.org', 'xmailserver.test'),
        err('-00205 Domain alias already exist'),
      );
      assert.deepEqual(
        await c.command('aliasdomainadd', 'example.net', 'y.org'),
        err('-00059 POP3 domain not handled'),
      );
      assert.deepEqual(await c.command('aliasdomainadd', 'Example.ORG', 'Example.NET'), OK);
      assert.deepEqual(
        await c.command('aliasdomainadd', 'example.org', 'example.net'),
        err('-00205 Domain alias already exist'),
      );
      assert.deepEqual(
        await c.command('aliasdomainadd', 'example.net', 'y.org'),
        err('-00059 POP3 domain not handled'),
      );
      assert.deepEqual(await c.command('aliasdomainadd', 'example.org', '*.x.test'), OK);
      assert.deepEqual(await c.command('aliasdomainadd', 'example.org', 'sub.x.test'), OK);
      assert.deepEqual(
        await c.command('aliasdomainlist'),
        list(
          row('example.org', 'example.net'),
          row('example.org', '*.x.test'),
          row('example.org', 'sub.x.test'),
        ),
      );
      assert.deepEqual(
        await c.command('aliasdomainlist', '*', '*.net'),
        list(row('example.org', 'example.net')),
      );
      assert.deepEqual(await c.command('aliasdomainlist', '*', '*', '*'), list());
      assert.deepEqual(
        await c.command('aliasdomaindel', 'nothere.org'),
        err('-00206 Domain alias not found'),
      );
      assert.deepEqual(await c.command('aliasdomaindel', 'SUB.x.test'), OK);
      assert.deepEqual(
        await c.command('useradd', 'example.net', 'bob', 'pw', 'U'),
        err('-00059 POP3 domain not handled'),
      );
      assert.deepEqual(await c.command('domainadd', 'example.net'), err('-00231 Already exist'));
      assert.equal(
        (await c.command('userstat', 'example.net', 'alice'))[1],
        row('RealAddress', 'alice@example.org'),
      );
      assert.equal(
        (await c.command('userstat', 'a.x.test', 'al'))[1],
        row('RealAddress', 'alice@example.org'),
      );
      assert.deepEqual(await c.command('uservars', 'example.net', 'ghost'), err('-00012 User not found'));
      // userstat resolves aliases too, but a user missing behind an alias domain is still -00012.
      assert.deepEqual(await c.command('userstat', 'example.net', 'ghost'), err('-00012 User not found'));
      assert.deepEqual(await c.command('userstat', 'a.x.test', 'ghost'), err('-00012 User not found'));
      assert.deepEqual(await c.command('userauth', 'example.net', 'alice', 'pw1'), OK);
    });

    it('gets and sets mailproc.tab files with dot-stuffing', async () => {
      assert.deepEqual(
        await c.command('usergetmproc', 'example.org', 'alice'),
        err('-00116 User mail processing file not present'),
      );
      assert.deepEqual(await c.command('usersetmproc', 'example.org', 'alice', 'D'), ['+00101 OK']);
      c.write('"external"\t"0"\t"60"\t"/bin/true"\t"@@FILE"\r\n.\r\n');
      assert.deepEqual(await c.response(), OK);
      assert.deepEqual(await c.command('usersetmproc', 'example.org', 'alice'), ['+00101 OK']);
      c.write('"mailbox"\r\n"redirect"\t"x@y.org"\r\n..dot\r\n.\r\n');
      assert.deepEqual(await c.response(), OK);
      assert.deepEqual(
        await c.command('usergetmproc', 'example.org', 'alice'),
        list('"external"\t"0"\t"60"\t"/bin/true"\t"@@FILE"', '"mailbox"', '"redirect"\t"x@y.org"', '..dot'),
      );
      assert.deepEqual(
        await c.command('usergetmproc', 'example.org', 'alice', 'u'),
        list('"mailbox"', '"redirect"\t"x@y.org"', '..dot'),
      );
      // XMail hangs here; decision 3 answers -00103.
      assert.deepEqual(
        await c.command('usergetmproc', 'example.org', 'alice', 'x'),
        err('-00103 Bad CTRL command syntax'),
      );
      assert.deepEqual(
        await c.command('usersetmproc', 'example.org', 'ghost'),
        err('-00157 Record not found in TAB file'),
      );
      assert.deepEqual(await c.command('usersetmproc', 'example.org', 'alice', 'd'), ['+00101 OK']);
      c.write('.\r\n');
      assert.deepEqual(await c.response(), OK);
      assert.deepEqual(
        await c.command('usergetmproc', 'example.org', 'alice', 'D'),
        err('-00116 User mail processing file not present'),
      );
    });

    it('refuses an upload with an over-long line and changes nothing (decision 3)', async () => {
      assert.deepEqual(await c.command('usersetmproc', 'example.org', 'alice'), ['+00101 OK']);
      c.write(`"mailbox"\r\n${'x'.repeat(3000)}\r\n.\r\n`);
      assert.deepEqual(await c.response(), err('-00103 Bad CTRL command syntax'));
      assert.deepEqual(
        await c.command('usergetmproc', 'example.org', 'alice', 'U'),
        list('"mailbox"', '"redirect"\t"x@y.org"', '..dot'),
      );
    });

    it('gets, sets, deletes and lists custom domains (§6 transcript)', async () => {
      assert.deepEqual(await c.command('custdomset', 'cust.org'), ['+00101 OK']);
      c.write('"redirect"\t"a@b.c"\r\n..dotline\r\n"lredirect"\t"x@example.org"\r\n.\r\n');
      assert.deepEqual(await c.response(), OK);
      assert.deepEqual(
        await c.command('custdomget', 'cust.org'),
        list('"redirect"\t"a@b.c"', '..dotline', '"lredirect"\t"x@example.org"'),
      );
      assert.deepEqual(await c.command('custdomlist'), list(row('cust.org')));
      assert.deepEqual(await c.command('custdomset', 'cust.org'), ['+00101 OK']);
      c.write('.\r\n');
      assert.deepEqual(await c.response(), OK);
      assert.deepEqual(await c.command('custdomget', 'cust.org'), err('-00120 Not a custom domain'));
      assert.deepEqual(await c.command('custdomlist'), list());
      assert.deepEqual(
        await c.command('custdomset', '.wild.com'),
        err('-00132 Bad tag ( From: , etc ... ) address'),
      );
      assert.deepEqual(await c.command('custdomset', 'bad domain'), err('-00260 Invalid host name'));
    });

    it('manages POP3 links, printing the remote password', async () => {
      const link = ['example.org', 'alice', 'pop.remote.net', 'ruser', 'r p\\"w', 'CLR'];
      assert.deepEqual(await c.command('poplnkadd', ...link), OK);
      assert.deepEqual(await c.command('poplnkadd', ...link), err('-00044 POP3 link already exist'));
      const shouted = link.map((field, i) => (i < 4 ? field.toUpperCase() : field));
      assert.deepEqual(await c.command('poplnkadd', ...shouted), err('-00044 POP3 link already exist'));
      assert.deepEqual(await c.command('poplnklist', 'example.*'), list());
      assert.deepEqual(
        await c.command('poplnklist', 'EXAMPLE.org'),
        list('"example.org"\t"alice"\t"pop.remote.net"\t"ruser"\t"r p"w"\t"CLR"\t"ON"'),
      );
      assert.deepEqual(await c.command('poplnkenable', '0', 'example.org', 'alice'), OK);
      assert.equal((await c.command('poplnklist', 'example.org', 'alice'))[1].endsWith('"OFF"'), true);
      assert.deepEqual(
        await c.command('poplnkenable', '1', 'example.org', 'nobody'),
        err('-00046 POP3 link not found'),
      );
      assert.deepEqual(
        await c.command('poplnkdel', 'example.org', 'alice', 'nowhere.net', 'ruser'),
        err('-00046 POP3 link not found'),
      );
      assert.deepEqual(await c.command('poplnkdel', 'example.org', 'alice', 'pop.remote.net', 'ruser'), OK);
      assert.deepEqual(await c.command('poplnklist'), list());
    });

    it('lists a link of a missing user as OFF and deletes it with OK (decision 10)', async () => {
      assert.deepEqual(
        await c.command('poplnkadd', 'example.org', 'ghost', 'pop.remote.net', 'g', 'pw', 'APOP'),
        OK,
      );
      assert.deepEqual(
        await c.command('poplnklist', 'example.org', 'ghost'),
        list(row('example.org', 'ghost', 'pop.remote.net', 'g', 'pw', 'APOP', 'OFF')),
      );
      assert.deepEqual(await c.command('poplnkdel', 'example.org', 'ghost', 'pop.remote.net', 'g'), OK);
    });

    it('confines file commands to the mail root (decision 5)', async () => {
      assert.deepEqual(
        await c.command('filelist', '../etc', '*'),
        err('-00214 Error in relative path syntax'),
      );
      assert.deepEqual(
        await c.command('filelist', 'nothere', '*'),
        err('-00211 Listing directory not found'),
      );
      assert.deepEqual(await c.command('cfgfileget', '/etc/hostname'), err('-00019 Unable to open file'));
      assert.deepEqual(
        await c.command('cfgfileget', 'a/../../x'),
        err('-00214 Error in relative path syntax'),
      );
      assert.deepEqual(
        await c.command('cfgfileset', 'conf/../x.tab'),
        err('-00214 Error in relative path syntax'),
      );
      assert.deepEqual(await c.command('cfgfileset', '/conf/test.tab'), ['+00101 OK']);
      c.write('"a"\t"b"\r\n..x\r\n.\r\n');
      assert.deepEqual(await c.response(), OK);
      assert.deepEqual(await c.command('cfgfileget', 'conf\\test.tab'), list('"a"\t"b"', '..x'));
      assert.deepEqual(await c.command('filelist', 'conf', '*.tab'), list(row('test.tab', '11')));
      assert.deepEqual(
        await c.command('filelist', 'conf', '*.TAB'),
        list(),
        'filelist patterns are case-sensitive',
      );
      assert.deepEqual(await c.command('cfgfileset', 'conf/test.tab'), ['+00101 OK']);
      c.write('.\r\n');
      assert.deepEqual(await c.response(), OK);
      assert.deepEqual(await c.command('cfgfileget', 'conf/test.tab'), err('-00019 Unable to open file'));
    });

    it('uses userdef.tab from the mail root for new users', async () => {
      assert.deepEqual(await c.command('cfgfileset', 'domains/xmailserver.test/userdef.tab'), ['+00101 OK']);
      c.write('"RealName"\t"??"\r\n"MaxMBSize"\t"500"\r\n.\r\n');
      assert.deepEqual(await c.response(), OK);
      assert.deepEqual(await c.command('useradd', 'xmailserver.test', 'carol', 'pw', 'U'), OK);
      assert.deepEqual(
        await c.command('uservars', 'xmailserver.test', 'carol'),
        list(row('RealName', '??'), row('MaxMBSize', '500')),
      );
    });

    it('answers the queue commands with XMail errors when no queue is loaded', async () => {
      assert.deepEqual(await c.command('frozlist'), list());
      assert.deepEqual(await c.command('frozsubmit', '0', '0', 'nomsg'), err('-00164 Unable to move file'));
      assert.deepEqual(await c.command('frozdel', '0', '0', 'nomsg'), err('-00019 Unable to open file'));
      assert.deepEqual(await c.command('frozgetlog', '0', '0', 'nomsg'), err('-00019 Unable to open file'));
      assert.deepEqual(await c.command('frozgetmsg', '0', '0', 'nomsg'), err('-00019 Unable to open file'));
      assert.deepEqual(await c.command('etrn'), err('-00103 Bad CTRL command syntax'));
      assert.deepEqual(
        await c.command('etrn', '*@*.example.org', 'example.net'),
        err('-00164 Unable to move file'),
      );
    });

    it('makes a user added over CTRL able to log in through the login service at once', async () => {
      assert.deepEqual(await c.command('useradd', 'example.org', 'erin', 'erin-pw', 'U'), OK);
      const login = started.kernel.container.resolve(LoginServiceToken);
      const attempt = (password: string) =>
        login.logIn(
          {
            protocol: 'POP3',
            client: {
              listener: 'pop3',
              sessionId: 'ctrl-test',
              secure: true,
              remoteAddress: '127.0.0.1',
              localAddress: '127.0.0.1',
              settings: { plaintextAuth: 'trusted', trustedNetworks: [] },
            },
            username: 'erin@example.org',
            plaintext: true,
          },
          login.passwordCheck(password),
        );
      assert.equal((await attempt('erin-pw')).verdict, 'ok');
      assert.equal((await attempt('wrong')).verdict, 'bad-credentials');
      assert.deepEqual(await c.command('userpasswd', 'example.org', 'erin', 'new-pw'), OK);
      assert.equal((await attempt('new-pw')).verdict, 'ok');
    });

    it('deletes a user with its aliases, external aliases and POP3 links', async () => {
      assert.deepEqual(
        await c.command('poplnkadd', 'example.org', 'alice', 'pop2.remote.net', 'r2', 'pw', 'CLR'),
        OK,
      );
      assert.deepEqual(await c.command('userdel', 'example.org', 'Alice'), OK);
      assert.deepEqual(
        await c.command('userauth', 'example.org', 'alice', 'pw1'),
        err('-00157 Record not found in TAB file'),
      );
      assert.deepEqual(await c.command('aliaslist', 'example.org'), list());
      assert.deepEqual(await c.command('exaliaslist'), list());
      assert.deepEqual(await c.command('poplnklist', 'example.org', 'alice'), list());
    });

    it('deletes a domain with everything under it', async () => {
      assert.deepEqual(await c.command('domaindel', 'Example.ORG'), OK);
      assert.deepEqual(await c.command('domaindel', 'example.org'), err('-00059 POP3 domain not handled'));
      assert.deepEqual(await c.command('domainlist'), list(row('xmailserver.test')));
      assert.deepEqual(await c.command('userlist', 'example.org'), list());
      assert.deepEqual(await c.command('aliasdomainlist'), list());
    });

    it('takes a 4092-character line, closes silently on 4093 + CRLF', async () => {
      const client = await loggedIn();
      const longNoop = '"noop"' + '\t'.repeat(4086);
      assert.deepEqual(await client.raw(longNoop), OK);
      client.write(longNoop + '\t\n');
      assert.deepEqual(await client.response(), OK, '4093 characters with a bare LF pass');
      client.write(longNoop + '\t\r\n');
      assert.equal(await client.closedByServer(), '');
    });

    it('closes silently on a byte above 127', async () => {
      const client = await loggedIn();
      client.write(Buffer.concat([Buffer.from('"noop"\t"'), Buffer.from([0xe9]), Buffer.from('"\r\n')]));
      assert.equal(await client.closedByServer(), '');
    });

    it('closes an idle session without a message', async () => {
      const client = await loggedIn();
      assert.equal(await client.closedByServer(5_000), '');
    });

    it('answers quit and closes', async () => {
      const client = await loggedIn();
      assert.deepEqual(await client.command('quit'), OK);
      assert.equal(await client.closedByServer(), '');
    });

    it('locks an address out after repeated failures, correct password included', async () => {
      await started.kernel.container.resolve(AdminServiceToken).add('victim', 'right');
      for (let i = 0; i < 5; i++) {
        const client = await connect();
        assert.deepEqual(await client.raw('"victim"\t"wrong"'), err('-00105 Bad controller login'));
        client.close();
      }
      const client = await connect();
      assert.deepEqual(await client.raw('"victim"\t"right"'), err('-00105 Bad controller login'));
      assert.equal(await client.closedByServer(), '');
    });
  });
}

describe('XMail CTRL with legacySecrets', () => {
  let dir: string;
  let started: Started;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'mw-ctrl-legacy-'));
    started = await startKernel(dir, infra().redis.url, `file:${path.join(dir, 'mail')}`, {}, true);
  });
  after(async () => {
    await started?.kernel.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints clear passwords in userlist like XMail (§6)', async () => {
    const c = await CtrlClient.connect(started.ctrl);
    assert.deepEqual(await c.raw(`"admin"\t"${c.md5('secret')}"`), OK);
    assert.deepEqual(await c.command('domainadd', 'example.org'), OK);
    assert.deepEqual(await c.command('useradd', 'example.org', 'alice', 'pw1', 'U'), OK);
    assert.deepEqual(await c.command('useradd', 'example.org', 'list1', 'pw', 'M'), OK);
    assert.deepEqual(
      await c.command('userlist', 'example.org'),
      list(row('example.org', 'alice', 'pw1', 'U'), row('example.org', 'list1', 'pw', 'M')),
    );
    assert.deepEqual(await c.command('userauth', 'example.org', 'alice', 'pw1'), OK);
    c.close();
  });
});
