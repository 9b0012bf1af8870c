import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  appendToFolder,
  hashPassword,
  SecretBoxToken,
  type AccountKey,
  type Kernel,
  type Storage,
} from '../../core/index.js';
import { directorySetup } from '../helpers/directory-setup.js';
import { afterFirstLine, connectRaw, SocketBuffer } from '../helpers/socket-buffer.js';
import { useAdapterInfra } from '../helpers/adapter-infra.js';
import { ADAPTER_NAMES, type TestStorage } from '../helpers/adapters.js';
import { startTestKernel } from '../helpers/test-kernel.js';

const run = promisify(execFile);
/** The Python driver sits in the source tree, beside this file's TypeScript source. */
const POPLIB_DRIVER = path.resolve(
  fileURLToPath(import.meta.url),
  '../../../../test/integration/pop3-clients.py',
);
const PASSWORD = 'pop secret with spaces';
const ALICE: AccountKey = { domain: 'example.org', name: 'alice' };

/** What a client must get for a stored body: CRLF line ends, a final CRLF. */
function onTheWire(stored: Buffer): Buffer {
  const text = stored.toString('latin1').replace(/\r?\n/g, '\r\n');
  return Buffer.from(text.endsWith('\r\n') || text === '' ? text : `${text}\r\n`, 'latin1');
}

const BODIES: Buffer[] = [
  Buffer.from(
    'From: a@remote.test\r\nSubject: dots\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nafter a lone dot\r\nlast\r\n',
  ),
  Buffer.concat([
    Buffer.from('From: b@remote.test\nSubject: bare LF\n\nfirst line\nGr'),
    Buffer.from([0xfc, 0xdf]), // 8-bit bytes, not UTF-8
    Buffer.from('e\n.dot after bare LF\nno final newline'),
  ]),
  bigBody(5 * 1024 * 1024),
];

function bigBody(octets: number): Buffer {
  const lines = ['From: c@remote.test', 'Subject: big', ''];
  let size = lines.join('\r\n').length + 2;
  for (let i = 0; size < octets; i++) {
    const line = (i % 997 === 0 ? '.' : '') + `line ${i} `.padEnd(76, 'x');
    lines.push(line);
    size += line.length + 2;
  }
  return Buffer.from(lines.join('\r\n') + '\r\n');
}

/** TOP n: the header, the blank line and n body lines, as the client gets them. */
function topOf(wire: Buffer, n: number): Buffer {
  const text = wire.toString('latin1');
  const headerEnd = text.indexOf('\r\n\r\n') + 4;
  let end = headerEnd;
  for (let i = 0; i < n && end < text.length; i++) end = text.indexOf('\r\n', end) + 2;
  return Buffer.from(text.slice(0, end), 'latin1');
}

/** A hand-driven POP3 connection for the error paths and the exact multi-line bytes. */
class RawClient {
  private readonly received: SocketBuffer;

  private constructor(readonly socket: net.Socket) {
    this.received = new SocketBuffer(socket);
  }

  static async connect(port: number): Promise<RawClient> {
    const client = new RawClient(await connectRaw(port));
    await client.line(); // greeting
    return client;
  }

  async line(): Promise<string> {
    const bytes = await this.received.take(afterFirstLine);
    return bytes.subarray(0, -2).toString('latin1');
  }

  /** A multi-line body, un-stuffed, without the terminating ".CRLF". */
  async body(): Promise<Buffer> {
    const raw = await this.received.take((buffered) => {
      if (buffered.subarray(0, 3).equals(Buffer.from('.\r\n'))) return 3;
      const end = buffered.indexOf('\r\n.\r\n');
      return end < 0 ? -1 : end + 5;
    });
    return Buffer.from(raw.subarray(0, -3).toString('latin1').replace(/^\./gm, ''), 'latin1');
  }

  async command(line: string): Promise<string> {
    this.socket.write(`${line}\r\n`);
    return this.line();
  }

  async login(user = 'alice@example.org', password = PASSWORD): Promise<string> {
    await this.command(`USER ${user}`);
    return this.command(`PASS ${password}`);
  }

  waitClosed(): Promise<void> {
    return this.received.whenClosed();
  }
}

const infra = useAdapterInfra('pop3');

for (const adapter of ADAPTER_NAMES) {
  describe(`POP3 on the ${adapter} storage adapter`, () => {
    let dir: string;
    let testStorage: TestStorage | undefined;
    let kernel: Kernel;
    let storage: Storage;
    let pop3: number;
    let pop3s: number;
    const wire = BODIES.map(onTheWire);
    const uids: number[] = [];

    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'mw-pop3-'));
      testStorage = await infra().storages.open(adapter);
      const started = await startTestKernel(
        {
          storage: testStorage.url,
          redis: { url: infra().redis.url },
          legacySecrets: true,
          plugins: { pop3: { plaintextAuth: 'anywhere', idleTimeoutSeconds: 2 } },
          listen: { pop3: '127.0.0.1:0', pop3s: '127.0.0.1:0' },
        },
        dir,
      );
      kernel = started.kernel;
      storage = started.storage;
      pop3 = started.port('pop3');
      pop3s = started.port('pop3s');
      const directory = directorySetup(kernel.container);
      await directory.addDomain('example.org');
      await directory.addUser('alice@example.org', PASSWORD);
      // Alice's password predates legacy secrets: an scrypt hash, so APOP must not work for her.
      await storage.accounts.setCredential(ALICE, { scheme: 'scrypt', hash: await hashPassword(PASSWORD) });
      await directory.addUser('nopop@example.org', PASSWORD);
      await storage.accounts.setVars({ domain: 'example.org', name: 'nopop' }, [['PopEnable', '0']]);
      await storage.accounts.addAccount({
        domain: 'example.org',
        name: 'legacy',
        kind: 'user',
        credential: { scheme: 'legacy', secret: kernel.container.resolve(SecretBoxToken).seal('old-secret') },
        vars: [],
      });
      for (const body of BODIES) uids.push((await appendToFolder(storage, ALICE, 'INBOX', body)).uid);
    });

    after(async () => {
      await kernel?.stop();
      await testStorage?.cleanup();
      await rm(dir, { recursive: true, force: true });
    });

    const expectedUidls = async () => {
      const folder = await storage.mail.getFolder(ALICE, 'INBOX');
      return uids.map((uid, i) => `${i + 1} ${folder!.uidValidity}.${uid}`);
    };

    async function poplib(
      mode: string,
      port: number,
      user = 'alice@example.org',
      password = PASSWORD,
      env = {},
    ) {
      const { stdout } = await run(
        'python3',
        [POPLIB_DRIVER, mode, '127.0.0.1', String(port), user, password],
        {
          env: { ...process.env, ...env },
          maxBuffer: 64 * 1024 * 1024,
        },
      );
      return JSON.parse(stdout) as {
        capa: string[];
        stat: [number, number];
        list: string[];
        uidl: string[];
        messages: { retr: string; top: string; octets: number }[];
        quit: string;
      };
    }

    it('serves poplib byte-exact RETR and TOP with CRLF-normalised sizes and stable UIDLs', async () => {
      for (const [mode, port] of [
        ['plain', pop3],
        ['stls', pop3],
        ['ssl', pop3s],
      ] as const) {
        const result = await poplib(mode, port);
        if (mode !== 'ssl') {
          for (const capability of [
            'TOP',
            'UIDL',
            'RESP-CODES',
            'PIPELINING',
            'USER',
            'SASL',
            'IMPLEMENTATION',
          ])
            assert.ok(result.capa.includes(capability), `${mode}: CAPA lists ${capability}`);
          assert.equal(result.capa.includes('STLS'), true);
        }
        const total = wire.reduce((sum, body) => sum + body.length, 0);
        assert.deepEqual(result.stat, [3, total], mode);
        assert.deepEqual(
          result.list,
          wire.map((body, i) => `${i + 1} ${body.length}`),
        );
        assert.deepEqual(result.uidl, await expectedUidls());
        for (const [i, message] of result.messages.entries()) {
          assert.ok(
            Buffer.from(message.retr, 'base64').equals(wire[i]),
            `${mode}: RETR ${i + 1} is byte-exact`,
          );
          assert.ok(Buffer.from(message.top, 'base64').equals(topOf(wire[i], 1)), `${mode}: TOP ${i + 1} 1`);
        }
        assert.match(result.quit, /^\+OK 0 messages deleted/);
      }
      const login = await storage.accounts.lastLogin(ALICE);
      assert.equal(login?.ip, '127.0.0.1');
      assert.equal(login?.protocol, 'POP3');
      assert.ok(Date.now() - login!.at.getTime() < 60_000);
    });

    it('serves curl the same bytes over plain text, STLS and pop3s', async () => {
      const user = `alice@example.org:${PASSWORD}`;
      const curl = (url: string, ...flags: string[]) =>
        run('curl', ['-sS', '--max-time', '20', '-u', user, ...flags, url], {
          encoding: 'buffer',
          maxBuffer: 64 << 20,
        });
      for (const [i, body] of wire.entries()) {
        const { stdout } = await curl(`pop3://127.0.0.1:${pop3}/${i + 1}`);
        assert.ok(stdout.equals(body), `curl RETR ${i + 1} is byte-exact`);
      }
      const stls = await curl(`pop3://127.0.0.1:${pop3}/2`, '--ssl-reqd', '-k');
      assert.ok(stls.stdout.equals(wire[1]));
      const implicit = await curl(`pop3s://127.0.0.1:${pop3s}/1`, '-k');
      assert.ok(implicit.stdout.equals(wire[0]));
      const list = await curl(`pop3://127.0.0.1:${pop3}/`);
      assert.equal(list.stdout.toString(), wire.map((body, i) => `${i + 1} ${body.length}\r\n`).join(''));
    });

    it('answers error paths with the right codes and keeps state straight', async () => {
      const client = await RawClient.connect(pop3);
      assert.match(await client.command('FROB'), /^-ERR unknown command/);
      assert.match(await client.command('STAT'), /^-ERR STAT is not valid in the AUTHORIZATION state/);
      assert.match(await client.command('PASS x'), /^-ERR send USER first/);
      assert.match(await client.command(`NOOP ${'x'.repeat(600)}`), /^-ERR line too long/);
      assert.match(await client.login('alice@example.org', 'wrong'), /^-ERR \[AUTH\] /);
      assert.match(await client.login('nobody@example.org', PASSWORD), /^-ERR \[AUTH\] /);
      assert.match(
        await client.login('nopop@example.org', PASSWORD),
        /^-ERR \[AUTH\] POP3 access is disabled/,
      );
      assert.match(await client.login(), /^\+OK 3 messages/);
      assert.match(
        await client.command('USER alice@example.org'),
        /^-ERR USER is not valid in the TRANSACTION/,
      );

      const second = await RawClient.connect(pop3);
      assert.match(await second.login(), /^-ERR \[IN-USE\] /);
      await second.command('QUIT');

      assert.match(await client.command('RETR 9'), /^-ERR no such message/);
      assert.match(await client.command('RETR x'), /^-ERR a message number is required/);
      assert.match(await client.command('TOP 1'), /^-ERR usage: TOP msg n/);
      assert.match(await client.command('DELE 1'), /^\+OK/);
      assert.match(await client.command('RETR 1'), /^-ERR message 1 is deleted/);
      assert.match(await client.command('DELE 1'), /^-ERR message 1 is deleted/);
      assert.match(await client.command('STAT'), new RegExp(`^\\+OK 2 ${wire[1].length + wire[2].length}$`));
      assert.match(await client.command('TOP 2 0'), /^\+OK/);
      assert.ok((await client.body()).equals(topOf(wire[1], 0)));
      // Pipelined: three commands in one write, answered in order.
      client.socket.write('NOOP\r\nLIST 2\r\nUIDL 3\r\n');
      assert.equal(await client.line(), '+OK');
      assert.equal(await client.line(), `+OK 2 ${wire[1].length}`);
      assert.equal(await client.line(), (await expectedUidls())[2].replace(/^/, '+OK '));
      // Dropped without QUIT: nothing is deleted and the lock goes with the connection.
      client.socket.destroy();
      await client.waitClosed();
      const third = await RawClient.connect(pop3);
      assert.match(await third.login(), /^\+OK 3 messages/);
      await third.command('QUIT');
      assert.deepEqual(
        (await storage.mail.listMessages(ALICE, 'INBOX')).map((m) => m.uid),
        uids,
      );
    });

    it('closes an idle session', async () => {
      const client = await RawClient.connect(pop3);
      assert.match(await client.line(), /^-ERR \[SYS\/TEMP\] idle/);
      await client.waitClosed();
    });

    it('offers APOP with a greeting timestamp, for legacy secrets only', async () => {
      const result = await poplib('apop', pop3, 'legacy@example.org', 'old-secret');
      assert.deepEqual(result.stat, [0, 0]);
      await assert.rejects(poplib('apop', pop3, 'alice@example.org', PASSWORD), /\[AUTH\]/);
      const client = await RawClient.connect(pop3);
      const auth = Buffer.from(`\0legacy@example.org\0old-secret`).toString('base64');
      assert.match(await client.command(`AUTH PLAIN ${auth}`), /^\+OK 0 messages/);
      await client.command('QUIT');
    });

    it('removes deleted messages only on QUIT (poplib), and fetchmail empties the maildrop', async () => {
      const result = await poplib('plain', pop3, 'alice@example.org', PASSWORD, { DELETE: '1' });
      assert.match(result.quit, /^\+OK 1 message deleted/);
      const left = await storage.mail.listMessages(ALICE, 'INBOX');
      assert.deepEqual(
        left.map((m) => m.uid),
        uids.slice(1),
      );

      const out = path.join(dir, 'fetched');
      const rc = path.join(dir, 'fetchmailrc');
      await writeFile(
        rc,
        `poll 127.0.0.1 service ${pop3} protocol pop3 uidl\n` +
          `  user "alice@example.org" password "${PASSWORD}" is root here no sslcertck\n` +
          `  mda "sh -c 'mkdir -p ${out} && cat > ${out}/msg-$$'"\n`,
      );
      await chmod(rc, 0o600);
      await run(
        'fetchmail',
        [
          '-f',
          rc,
          '--nodetach',
          '--silent',
          '--idfile',
          path.join(dir, 'fetchids'),
          '--pidfile',
          path.join(dir, 'fetchmail.pid'),
        ],
        {
          env: { ...process.env, HOME: dir, FETCHMAILHOME: dir },
        },
      );
      const fetched = await Promise.all((await readdir(out)).map((name) => readFile(path.join(out, name))));
      assert.equal(fetched.length, 2);
      for (const body of [wire[1], wire[2]]) {
        // fetchmail puts its Received header in front; the message itself follows unchanged (LF ends).
        const lf = body.toString('latin1').replace(/\r\n/g, '\n');
        assert.ok(
          fetched.some((file) => file.toString('latin1').endsWith(lf)),
          'fetchmail got the body',
        );
      }
      assert.deepEqual(await storage.mail.listMessages(ALICE, 'INBOX'), []);
    });
  });
}
