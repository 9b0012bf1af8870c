/**
 * What the admin file commands (XMail CTRL filelist/cfgfileget/cfgfileset) can reach, over real
 * sockets with a raw CTRL client, and the modes of what the server writes:
 * - every other spelling of a record's path (`//`, `\\`, `/./`, mixed separators, trailing dots and
 *   spaces, case variants, NUL, overlong) is refused with -00214 and changes nothing, on every adapter;
 * - the server's own files (secret.key, the TLS key, the embedded Redis's files, lock files) are out
 *   of reach with the embedded default home;
 * - files are 0600 and directories 0700 under the default umask, and follow a configured one.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { AdminServiceToken, Kernel, Tokens, type Storage } from '../../core/index.js';
import { mailwrightConfigSchema } from '../../core/config/schema.js';
import { useAdapterInfra } from '../helpers/adapter-infra.js';
import { ADAPTER_NAMES, type AdapterName, type TestStorage } from '../helpers/adapters.js';
import { CtrlClient } from '../helpers/ctrl-client.js';
import { quietLogger } from '../helpers/logger.js';
import { waitFor } from '../helpers/queue-testbed.js';
import { startTestKernel, type TestKernel, onFreePorts } from '../helpers/test-kernel.js';

const OK = ['+00000 OK'];
const REFUSED = ['-00214 Error in relative path syntax'];
const NOT_OPENED = ['-00019 Unable to open file'];
const NO_DIRECTORY = ['-00211 Listing directory not found'];
const list = (...rows: string[]): string[] => ['+00100 OK', ...rows, '.'];
const row = (...fields: string[]): string => fields.map((f) => `"${f}"`).join('\t');

/** The home's layout as the README documents it. */
const mailRootOf = (home: string): string => path.join(home, 'mail');
const stateOf = (home: string): string => path.join(home, 'state');

async function loggedIn(port: number): Promise<CtrlClient> {
  const client = await CtrlClient.connect(port);
  assert.deepEqual(await client.raw(`"admin"\t"${client.md5('secret')}"`), OK);
  return client;
}

/** cfgfileset: the status line, and when the server asked for the content, the upload's status. */
async function upload(c: CtrlClient, target: string, content: string): Promise<string[]> {
  const first = await c.command('cfgfileset', target);
  if (first[0] !== '+00101 OK') return first;
  c.write(`${content}.\r\n`);
  return [...first, ...(await c.response())];
}

/** Every file and directory below `dir`, relative to it with `/`, directories first. */
async function walk(dir: string, prefix = ''): Promise<{ rel: string; isDirectory: boolean }[]> {
  const found: { rel: string; isDirectory: boolean }[] = [];
  for (const entry of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) found.push({ rel, isDirectory: true }, ...(await walk(dir, rel)));
    else if (entry.isFile()) found.push({ rel, isDirectory: false });
  }
  return found;
}

const infra = useAdapterInfra('fence');

/** Spellings that, read some other way than XMail's, name a record or leave the root. */
const RECORD_SPELLINGS = [
  '//ctrlaccounts.tab',
  '\\\\mailusers.tab',
  '/\\domains.tab',
  '\\/domains.tab',
  '///domains.tab',
  '/./mailusers.tab',
  './mailusers.tab',
  'mailusers.tab.',
  'mailusers.tab ',
  'mailusers.tab\0.txt', // XMail reads a line up to its first NUL: this is `mailusers.tab`
  'mailusers.tab',
  'MailUsers.tab',
  'CTRLACCOUNTS.TAB',
  'Domains.tab',
  'domains\\fence.test/alice\\user.tab',
  '//domains/fence.test/alice/user.tab',
  'domains/fence.test/ALICE/user.tab',
  'domains/fence.test/alice/folders/INBOX.tab',
  '//blobs/zz/x',
  'Blobs/zz/x',
  '//logs/x.tab',
  'locks/fence.lock',
  '//locks/fence.lock',
  '//tmp/x',
  'conf//ok.tab',
  'conf/./ok.tab',
  `conf/${'x'.repeat(300)}`,
  'conf/'.repeat(210),
];

for (const adapter of ADAPTER_NAMES) describeRecordSpellings(adapter);

function describeRecordSpellings(adapter: AdapterName): void {
  describe(`file commands on the ${adapter} adapter refuse every other spelling of a record`, () => {
    let home: string;
    let testStorage: TestStorage;
    let started: TestKernel;
    let storage: Storage;
    let c: CtrlClient;
    /** The file adapter's tables as they were before the attempts, byte for byte. */
    const tablesBefore = new Map<string, Buffer>();
    const fileRoot = (): string | null =>
      testStorage.url.startsWith('file:') ? testStorage.url.slice('file:'.length) : null;

    before(async () => {
      home = await mkdtemp(path.join(tmpdir(), `mw-fence-${adapter}-`));
      testStorage = await infra().storages.open(adapter);
      started = await startTestKernel(
        {
          storage: testStorage.url,
          redis: { url: infra().redis.url },
          plugins: { 'xmail-ctrl': {} },
          listen: { 'xmail-ctrl': '127.0.0.1:0', 'xmail-ctrls': '127.0.0.1:0' },
        },
        home,
      );
      storage = started.storage;
      await started.kernel.container.resolve(AdminServiceToken).add('admin', 'secret');
      c = await loggedIn(started.port('xmail-ctrl'));
      assert.deepEqual(await c.command('domainadd', 'fence.test'), OK);
      assert.deepEqual(await c.command('useradd', 'fence.test', 'alice', 'pw', 'U'), OK);
      assert.deepEqual(await upload(c, '/conf/ok.tab', '"ok"\r\n'), ['+00101 OK', ...OK]);
      assert.deepEqual(await upload(c, 'server.tab', '"a"\t"b"\r\n'), ['+00101 OK', ...OK]);
      const root = fileRoot();
      if (root) {
        await writeFile(path.join(root, 'locks', 'fence.lock'), `${process.pid}\n`);
        for (const table of ['domains.tab', 'mailusers.tab', 'ctrlaccounts.tab'])
          tablesBefore.set(table, await readFile(path.join(root, table)));
      }
    });
    after(async () => {
      c?.close();
      await started?.kernel.stop();
      await testStorage?.cleanup();
      await rm(home, { recursive: true, force: true });
    });

    it('cfgfileget refuses them with -00214', async () => {
      for (const spelling of RECORD_SPELLINGS) {
        assert.deepEqual(await c.command('cfgfileget', spelling), REFUSED, JSON.stringify(spelling));
      }
      assert.deepEqual(await c.command('cfgfileget', '\\conf\\ok.tab'), list('"ok"'), 'XMail spellings work');
    });

    it('cfgfileset refuses them before taking content, and nothing changes', async () => {
      for (const spelling of RECORD_SPELLINGS) {
        assert.deepEqual(
          await upload(c, spelling, ''),
          REFUSED,
          `empty upload to ${JSON.stringify(spelling)}`,
        );
        assert.deepEqual(
          await upload(c, spelling, 'x\r\n'),
          REFUSED,
          `upload to ${JSON.stringify(spelling)}`,
        );
      }
      assert.deepEqual(await c.command('domainlist'), list(row('fence.test')));
      assert.deepEqual(await c.command('userauth', 'fence.test', 'alice', 'pw'), OK);
      const again = await loggedIn(started.port('xmail-ctrl'));
      again.close();
      const walked: string[] = [];
      for await (const entry of storage.files.walkFiles()) walked.push(entry.path);
      assert.deepEqual(walked.sort(), ['conf/ok.tab', 'server.tab'], 'no file was written anywhere else');
      const root = fileRoot();
      if (root) {
        for (const [table, content] of tablesBefore)
          assert.deepEqual(await readFile(path.join(root, table)), content, `${table} unchanged`);
        assert.equal(existsSync(path.join(root, 'blobs', 'zz', 'x')), false, 'nothing in the blob store');
        assert.equal(
          existsSync(path.join(root, 'locks', 'fence.lock')),
          true,
          'the lock file is still there',
        );
      }
    });

    it('filelist refuses them and never lists a record', async () => {
      for (const dir of [
        '//',
        '\\\\',
        '//domains/fence.test',
        '/./conf',
        'conf/',
        'conf.',
        'blobs',
        'Blobs',
        '//blobs',
        'logs',
        'locks',
        'tmp',
        'domains/fence.test/alice/folders',
        'Domains/fence.test/alice/Folders',
      ]) {
        assert.deepEqual(await c.command('filelist', dir, '*'), REFUSED, JSON.stringify(dir));
      }
      assert.deepEqual(await c.command('filelist', '', '*'), list(row('server.tab', '8')));
      assert.deepEqual(await c.command('filelist', '/', '*'), list(row('server.tab', '8')));
    });

    it('closes the session on non-ASCII look-alikes of "/" and "." before any file command runs', async () => {
      for (const spelling of ['\uff0fctrlaccounts.tab', '\u2215mailusers.tab', 'mailusers\uff0etab']) {
        const client = await loggedIn(started.port('xmail-ctrl'));
        client.write(Buffer.from(`"cfgfileget"\t"${spelling}"\r\n`, 'utf8'));
        assert.equal(await client.closedByServer(), '', 'closed with no reply');
      }
    });
  });
}

/**
 * CTRL, SMTP and the queue on free ports, an administrator `admin`/`secret`; with no `storage` and
 * no `redis.url` in `extra`, the embedded default: file storage and a redis-server in the home.
 */
async function startMailKernel(home: string, extra: Record<string, unknown> = {}): Promise<TestKernel> {
  const started = await startTestKernel(
    {
      ...extra,
      plugins: { 'xmail-ctrl': {}, queue: { hostname: 'mx.fence.test' }, smtp: { reverseDns: false } },
      listen: onFreePorts('xmail-ctrl', 'xmail-ctrls', 'smtp', 'submission', 'smtps'),
    },
    home,
  );
  await started.kernel.container.resolve(AdminServiceToken).add('admin', 'secret');
  return started;
}

describe('the embedded default home keeps the server’s own files out of the file commands’ reach', () => {
  let home: string;
  let started: TestKernel;
  let c: CtrlClient;

  before(async () => {
    home = path.join(await mkdtemp(path.join(tmpdir(), 'mw-fence-home-')), 'home');
    // No storage and no redis.url: the file storage and an embedded redis-server in the home.
    started = await startMailKernel(home);
    c = await loggedIn(started.port('xmail-ctrl'));
    await mkdir(path.join(mailRootOf(home), 'locks'), { recursive: true });
    await writeFile(path.join(mailRootOf(home), 'locks', 'fence.lock'), `${process.pid}\n`);
  });
  after(async () => {
    c?.close();
    await started?.kernel.stop();
    await rm(path.dirname(home), { recursive: true, force: true });
  });

  it('lays the home out as mail/ and state/, with secret.key, tls/ and redis/ in state/', async () => {
    assert.deepEqual((await readdir(home)).sort(), ['mail', 'state']);
    const own = (await walk(stateOf(home))).map((entry) => entry.rel);
    for (const expected of ['secret.key', 'tls/self-signed.pem', 'redis'])
      assert.ok(own.includes(expected), `state/${expected}`);
  });

  it('cannot read, list or overwrite any file outside the mail root, however it is named', async () => {
    const own = (await walk(home)).filter((entry) => !entry.rel.startsWith('mail/') && entry.rel !== 'mail');
    assert.ok(
      own.some((entry) => /appendonly/.test(entry.rel)),
      'the embedded Redis has written its AOF',
    );
    for (const { rel, isDirectory } of own) {
      const inState = rel.replace(/^state\//, '');
      const spellings = [
        rel,
        inState,
        `/${inState}`,
        `//${rel}`,
        `\\\\${inState}`,
        `../${rel}`,
        `../../${rel}`,
      ];
      for (const spelling of spellings) {
        if (isDirectory) {
          const listing = await c.command('filelist', spelling, '*');
          assert.ok(
            listing.length === 1 && listing[0].startsWith('-'),
            `filelist ${spelling}: ${listing[0]}`,
          );
        } else {
          const got = await c.command('cfgfileget', spelling);
          assert.ok(got.length === 1 && got[0].startsWith('-'), `cfgfileget ${spelling}: ${got[0]}`);
        }
      }
    }
    assert.deepEqual(await c.command('filelist', 'state', '*'), NO_DIRECTORY);
    assert.deepEqual(await c.command('filelist', 'redis', '*'), NO_DIRECTORY);
    // What the file commands write under these names lands in the mail root, a file like any other.
    const secretKey = path.join(stateOf(home), 'secret.key');
    const pem = path.join(stateOf(home), 'tls', 'self-signed.pem');
    const before = await Promise.all([readFile(secretKey), readFile(pem)]);
    for (const spelling of ['secret.key', 'tls/self-signed.pem', 'state/secret.key']) {
      assert.deepEqual(await upload(c, spelling, 'overwritten\r\n'), ['+00101 OK', ...OK]);
      assert.deepEqual(await upload(c, spelling, ''), ['+00101 OK', ...OK]);
    }
    assert.deepEqual(
      await Promise.all([readFile(secretKey), readFile(pem)]),
      before,
      'the real ones are intact',
    );
    assert.deepEqual(await c.command('cfgfileget', 'secret.key'), NOT_OPENED);
  });

  it('keeps the file storage’s lock files fenced', async () => {
    for (const spelling of [
      'locks/fence.lock',
      '//locks/fence.lock',
      '\\\\locks\\fence.lock',
      'LOCKS/fence.lock',
    ])
      assert.deepEqual(await c.command('cfgfileget', spelling), REFUSED, spelling);
    assert.deepEqual(await c.command('filelist', 'locks', '*'), REFUSED);
  });
});

for (const adapter of ADAPTER_NAMES) {
  for (const umask of [undefined, '027'] as const) describeModes(adapter, umask);
}

function describeModes(adapter: AdapterName, umask: '027' | undefined): void {
  const mask = umask === undefined ? 0o077 : parseInt(umask, 8);
  const setting = umask === undefined ? 'the default umask' : `umask "${umask}"`;
  describe(`modes on the ${adapter} adapter with ${setting}`, () => {
    let home: string;
    let testStorage: TestStorage | undefined;
    let started: TestKernel;

    before(async () => {
      home = path.join(await mkdtemp(path.join(tmpdir(), `mw-modes-${adapter}-`)), 'home');
      // The file adapter runs as the embedded default: its mail root is <home>/mail.
      testStorage = adapter === 'file' ? undefined : await infra().storages.open(adapter);
      started = await startMailKernel(home, {
        ...(testStorage ? { storage: testStorage.url } : {}),
        ...(umask ? { umask } : {}),
      });
    });
    after(async () => {
      await started?.kernel.stop();
      await testStorage?.cleanup();
      await rm(path.dirname(home), { recursive: true, force: true });
    });

    it('writes files and directories with the modes the umask allows, state/ always private', async () => {
      const c = await loggedIn(started.port('xmail-ctrl'));
      assert.deepEqual(await c.command('domainadd', 'fence.test'), OK);
      assert.deepEqual(await c.command('useradd', 'fence.test', 'alice', 'pw', 'U'), OK);
      assert.deepEqual(await upload(c, 'domains/fence.test/alice/mailproc.tab', '"mailbox"\r\n'), [
        '+00101 OK',
        ...OK,
      ]);
      const transport = nodemailer.createTransport({
        host: '127.0.0.1',
        port: started.port('smtp'),
        ignoreTLS: true,
      });
      await transport.sendMail({
        envelope: { from: 'bob@outside.test', to: ['alice@fence.test'] },
        raw: 'From: bob@outside.test\r\nSubject: modes\r\n\r\nhello\r\n',
      });
      transport.close();
      const storage = started.kernel.container.resolve(Tokens.Storage);
      await waitFor(
        'the delivery',
        async () =>
          (await storage.mail.listMessages({ domain: 'fence.test', name: 'alice' }, 'INBOX')).length === 1,
      );
      c.close();

      const entries = await walk(home);
      const rels = entries.map((entry) => entry.rel);
      for (const expected of ['state/secret.key', 'state/tls/self-signed.pem', 'state/redis'])
        assert.ok(rels.includes(expected), expected);
      if (adapter === 'file') {
        for (const expected of ['mail/mailusers.tab', 'mail/ctrlaccounts.tab', 'mail/domains.tab'])
          assert.ok(rels.includes(expected), expected);
        assert.ok(
          rels.some((rel) => /^mail\/blobs\/..\/[0-9a-f]{32}$/.test(rel)),
          'a message body',
        );
        assert.ok(
          rels.some((rel) => rel.startsWith('mail/domains/fence.test/alice/folders/')),
          'a folder',
        );
      }
      /** null for a temp or lock file gone since the walk. */
      const modeOf = async (rel: string): Promise<number | null> =>
        stat(path.join(home, rel)).then(
          (s) => s.mode & 0o777,
          () => null,
        );
      assert.equal(await modeOf(''), 0o777 & ~mask, 'the home');
      for (const { rel, isDirectory } of entries) {
        // redis-server creates its own files; the 0700 state/redis/ around them is what shuts them off.
        if (rel.startsWith('state/redis/')) continue;
        const mode = await modeOf(rel);
        if (mode === null) continue;
        const expected = rel.startsWith('state')
          ? isDirectory
            ? 0o700
            : 0o600
          : rel === 'mail/ctrlaccounts.tab'
            ? 0o600 // sealed admin secrets: the owner's only, whatever the umask
            : (isDirectory ? 0o777 : 0o666) & ~mask;
        assert.equal(mode.toString(8), expected.toString(8), rel);
      }
    });
  });
}

describe('a home the server cannot use safely is refused at start', () => {
  const startIn = async (home: string, config: Record<string, unknown>): Promise<Kernel> =>
    Kernel.create({
      config: mailwrightConfigSchema.parse({
        redis: { url: infra().redis.url },
        plugins: { 'xmail-ctrl': {} },
        listen: { 'xmail-ctrl': '127.0.0.1:0', 'xmail-ctrls': '127.0.0.1:0' },
        ...config,
      }),
      home,
      logger: quietLogger(),
    });

  it('refuses a home in the earlier layout (secret.key and tables directly in it)', async () => {
    const home = await mkdtemp(path.join(tmpdir(), 'mw-old-home-'));
    try {
      await writeFile(path.join(home, 'secret.key'), 'old key\n');
      await writeFile(path.join(home, 'domains.tab'), '"old.test"\n');
      const kernel = await startIn(home, {});
      await assert.rejects(kernel.start(), /layout of an earlier Mailwright \(secret\.key, domains\.tab/);
      assert.equal(await readFile(path.join(home, 'secret.key'), 'utf8'), 'old key\n', 'the old key is kept');
      assert.equal(existsSync(path.join(home, 'state')), false, 'no new key beside it');
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('refuses a file storage that contains the private state directory, or lies in it', async () => {
    const base = await mkdtemp(path.join(tmpdir(), 'mw-overlap-'));
    const home = path.join(base, 'home');
    try {
      for (const storage of [`file:${home}`, `file:${base}`, `file:${path.join(home, 'state', 'x')}`]) {
        const kernel = await startIn(home, { storage });
        await assert.rejects(kernel.start(), /overlaps the home's private directory/, storage);
      }
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  it('takes a umask only as a quoted octal string that leaves the owner its rights', () => {
    assert.equal(mailwrightConfigSchema.parse({ umask: '027' }).umask, 0o027);
    assert.equal(mailwrightConfigSchema.parse({ umask: '0077' }).umask, 0o077);
    for (const umask of [27, '27', '277', '0700', '08', 'rwx']) {
      assert.equal(mailwrightConfigSchema.safeParse({ umask }).success, false, String(umask));
    }
  });
});
