/**
 * Login hardening over real sockets, on every storage adapter: racing logins cannot check more
 * passwords than the lockout threshold (POP3, SMTP AUTH, CTRL), IPv6 clients count by /64,
 * mailing lists never log in, an authenticated SMTP sender may use only its own addresses, unknown
 * users cost as much as wrong passwords, and CTRL `userlist` alone lists every user.
 *
 * Lockout records live in the file's one Redis for every adapter, so each suite uses account names
 * of its own (`-<adapter>`).
 */
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import {
  AdminServiceToken,
  CredentialServiceToken,
  LockoutServiceToken,
  type AccountKey,
  type Kernel,
  type LogEvent,
  type Storage,
} from '../../core/index.js';
import { directorySetup } from '../helpers/directory-setup.js';
import { useAdapterInfra } from '../helpers/adapter-infra.js';
import { ADAPTER_NAMES, type TestStorage } from '../helpers/adapters.js';
import { CtrlClient } from '../helpers/ctrl-client.js';
import { LineClient } from '../helpers/line-client.js';
import { startTestKernel } from '../helpers/test-kernel.js';

const PASSWORD = 'the right password';
const THRESHOLD = 5;
/** How long the right password waits after the wrong ones went out: they are being checked then. */
const RIGHT_PASSWORD_DELAY_MS = 50;

const infra = useAdapterInfra('login');

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const base64 = (text: string) => Buffer.from(text).toString('base64');

/** `::1` is usable on this machine (the IPv6 tests are skipped where it is not). */
async function hasIPv6Loopback(): Promise<boolean> {
  const server = net.createServer((socket) => socket.destroy());
  try {
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '::1', resolve));
    return true;
  } catch {
    return false;
  } finally {
    server.close();
  }
}

for (const adapter of ADAPTER_NAMES) {
  describe(`login hardening on the ${adapter} storage adapter`, () => {
    let dir: string;
    let testStorage: TestStorage | undefined;
    let kernel: Kernel;
    let storage: Storage;
    let ports: { pop3: number; smtp: number; submission: number; ctrl: number };
    const named = (name: string) => `${name}-${adapter}`;
    const address = (name: string, domain = 'example.org') => `${named(name)}@${domain}`;
    const admin = named('admin');

    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), `mw-login-${adapter}-`));
      testStorage = await infra().storages.open(adapter);
      const started = await startTestKernel(
        {
          storage: testStorage.url,
          redis: { url: infra().redis.url },
          plugins: {
            queue: { prefix: `login-${adapter}` },
            smtp: {
              hostname: 'mx.example.org',
              trustedNetworks: [],
              reverseDns: false,
              plaintextAuth: 'anywhere',
              maxConnectionsPerIp: 100,
            },
            pop3: { plaintextAuth: 'anywhere' },
            'xmail-ctrl': {},
          },
          // `[::]`: dual stack, so IPv4 clients arrive as ::ffff:127.0.0.1 and ::1 works too.
          listen: {
            smtp: '[::]:0',
            submission: '[::]:0',
            smtps: '127.0.0.1:0',
            pop3: '[::]:0',
            pop3s: '127.0.0.1:0',
            'xmail-ctrl': '127.0.0.1:0',
            'xmail-ctrls': '127.0.0.1:0',
          },
          lockout: { threshold: THRESHOLD, intervalSeconds: 60 },
        },
        dir,
      );
      kernel = started.kernel;
      storage = started.storage;
      ports = {
        pop3: started.port('pop3'),
        smtp: started.port('smtp'),
        submission: started.port('submission'),
        ctrl: started.port('xmail-ctrl'),
      };
      const directory = directorySetup(kernel.container);
      await directory.addDomain('example.org');
      await directory.addDomain('example.net');
      for (const name of ['alice', 'bob', 'race', 'smtprace', 'ipv6', 'timing', 'zeropop'])
        await directory.addUser(address(name), PASSWORD);
      await directory.addUser(address('carol', 'example.net'), PASSWORD);
      await storage.accounts.setVars(key('zeropop'), [['PopEnable', '00']]);
      const credential = await kernel.container.resolve(CredentialServiceToken).forPassword(PASSWORD);
      // An XMail mailing list ('M') and an AltaVista mailing-list mailbox, both with a password.
      await storage.accounts.addAccount({ ...key('list'), kind: 'list', credential, vars: [] });
      await storage.accounts.addAccount({
        ...key('avlist'),
        kind: 'user',
        credential,
        vars: [],
        attributes: [['ClientType', ['MailingList']]],
      });
      await storage.routes.addRoute({
        domain: 'example.org',
        local: named('al'),
        target: key('alice'),
        origin: 'alias',
      });
      const admins = kernel.container.resolve(AdminServiceToken);
      await admins.add(admin, 'secret');
      await admins.add(named('racer'), 'secret');
    });

    after(async () => {
      await kernel?.stop();
      await testStorage?.cleanup();
      await rm(dir, { recursive: true, force: true });
    });

    function key(name: string): AccountKey {
      return { domain: 'example.org', name: named(name) };
    }

    /** The Security log's `LoginFailure … login failed` events: one per password actually checked. */
    async function checkedFailures(protocol: string, mailbox: string): Promise<LogEvent[]> {
      const events = await storage.events.readEvents('Security', new Date(0));
      return events.filter(
        (e) =>
          e.type === 'LoginFailure' &&
          e.text === 'login failed' &&
          e.params.Protocol === protocol &&
          e.params.Mailbox === mailbox,
      );
    }

    async function pop3Login(user: string, password: string, host = '127.0.0.1'): Promise<string> {
      const client = await LineClient.connect(ports.pop3, { host });
      try {
        assert.match(await client.requireLine(), /^\+OK /);
        client.send(`USER ${user}`);
        assert.match(await client.requireLine(), /^\+OK/);
        client.send(`PASS ${password}`);
        const reply = await client.requireLine();
        // QUIT releases the maildrop at once, so the next login does not find it in use.
        if (reply.startsWith('+OK')) assert.match(await client.command('QUIT'), /^\+OK/);
        return reply;
      } finally {
        client.close();
      }
    }

    async function smtpSession(port: number): Promise<LineClient> {
      const client = await LineClient.connect(port);
      assert.match((await client.smtpReply()).at(-1)!, /^220 /);
      assert.match(await client.smtp('EHLO client.test'), /^250 /);
      return client;
    }

    const authPlain = (user: string, password: string) => `AUTH PLAIN ${base64(`\0${user}\0${password}`)}`;

    it('POP3: 20 racing logins check at most the threshold of passwords; the right one after them is refused', async () => {
      const user = address('race');
      const clients = await Promise.all(Array.from({ length: 20 }, () => LineClient.connect(ports.pop3)));
      for (const client of clients) assert.match(await client.requireLine(), /^\+OK /);
      for (const client of clients) client.send(`USER ${user}`);
      for (const client of clients) assert.match(await client.requireLine(), /^\+OK/);
      const wrong = clients.slice(0, 19);
      wrong.forEach((client, i) => client.send(`PASS wrong password ${i}`));
      await delay(RIGHT_PASSWORD_DELAY_MS);
      clients[19].send(`PASS ${PASSWORD}`);
      const replies = await Promise.all(clients.map((client) => client.requireLine()));
      clients.forEach((client) => client.close());

      assert.equal(
        replies[19],
        '-ERR [AUTH] too many failed logins from your address, try again later',
        'the right password is refused while the address is locked out',
      );
      for (const reply of replies.slice(0, 19)) assert.match(reply, /^-ERR \[AUTH\] /);
      assert.ok((await checkedFailures('POP3', user)).length <= THRESHOLD, 'passwords checked');
      const lockouts = kernel.container.resolve(LockoutServiceToken);
      assert.ok(await lockouts.lockedUntil('POP3', key('race'), '127.0.0.1'));
      assert.match(await pop3Login(user, PASSWORD), /^-ERR \[AUTH\] too many failed logins/);
    });

    it('SMTP AUTH: 20 racing logins check at most the threshold of passwords; the right one after them gets 535', async () => {
      const user = address('smtprace');
      const clients = await Promise.all(Array.from({ length: 20 }, () => smtpSession(ports.submission)));
      clients.slice(0, 19).forEach((client, i) => client.send(authPlain(user, `wrong ${i}`)));
      await delay(RIGHT_PASSWORD_DELAY_MS);
      clients[19].send(authPlain(user, PASSWORD));
      const replies = await Promise.all(clients.map(async (client) => (await client.smtpReply()).at(-1)));
      clients.forEach((client) => client.close());

      for (const reply of replies) assert.equal(reply, '535 5.7.8 Authentication credentials invalid');
      assert.ok((await checkedFailures('SMTP', user)).length <= THRESHOLD, 'passwords checked');
      const client = await smtpSession(ports.submission);
      assert.equal(
        await client.smtp(authPlain(user, PASSWORD)),
        '535 5.7.8 Authentication credentials invalid',
      );
      client.close();
    });

    it('CTRL: 40 racing wrong admin logins check at most the threshold of passwords', async () => {
      const racer = named('racer');
      const clients = await Promise.all(Array.from({ length: 40 }, () => CtrlClient.connect(ports.ctrl)));
      clients.forEach((client, i) => client.write(`"${racer}"\t"wrong ${i}"\r\n`));
      const replies = await Promise.all(clients.map((client) => client.response()));
      for (const reply of replies) assert.deepEqual(reply, ['-00105 Bad controller login']);
      clients.forEach((client) => client.close());

      const checked = await checkedFailures('Administration', `${racer}@admin.invalid`);
      assert.ok(checked.length <= THRESHOLD, `${checked.length} admin passwords checked`);
      const client = await CtrlClient.connect(ports.ctrl);
      assert.deepEqual(await client.raw(`"${racer}"\t"${client.md5('secret')}"`), [
        '-00105 Bad controller login',
      ]);
      client.close();
    });

    it('locks an IPv6 client out by its /64 network, not by its one address', async (t: TestContext) => {
      if (!(await hasIPv6Loopback())) return t.skip('no ::1 on this machine');
      const user = address('ipv6');
      for (let i = 0; i < THRESHOLD; i++)
        assert.equal(await pop3Login(user, `wrong ${i}`, '::1'), '-ERR [AUTH] invalid user name or password');
      assert.match(await pop3Login(user, PASSWORD, '::1'), /^-ERR \[AUTH\] too many failed logins/);

      const lockouts = kernel.container.resolve(LockoutServiceToken);
      assert.ok(await lockouts.lockedUntil('POP3', key('ipv6'), '::1'));
      assert.ok(
        await lockouts.lockedUntil('POP3', key('ipv6'), '::2'),
        'every address of ::/64 is locked out',
      );
      const events = await storage.events.readEvents('Security', new Date(0));
      const lockout = events.find((e) => e.type === 'Lockout' && e.params.Mailbox === user);
      assert.equal(lockout?.params.Address, '::1');
      assert.match(lockout?.text ?? '', /^network ::\/64 locked out until /);

      assert.match(
        await pop3Login(user, PASSWORD, '127.0.0.1'),
        /^\+OK /,
        'IPv4 (::ffff:127.0.0.1) is another client',
      );
      await lockouts.resetAddress('::abcd');
      assert.match(await pop3Login(user, PASSWORD, '::1'), /^\+OK /, 'reset by any address of the /64');
    });

    it('refuses mailing lists (XMail M, AltaVista ClientType MailingList) over SMTP AUTH and POP3', async () => {
      for (const name of ['list', 'avlist']) {
        const client = await smtpSession(ports.submission);
        assert.equal(
          await client.smtp(authPlain(address(name), PASSWORD)),
          '535 5.7.8 Authentication credentials invalid',
        );
        client.close();
        assert.equal(await pop3Login(address(name), PASSWORD), '-ERR [AUTH] invalid user name or password');
      }
      const client = await smtpSession(ports.submission);
      assert.equal(
        await client.smtp(authPlain(address('alice'), PASSWORD)),
        '235 2.7.0 Authentication successful',
      );
      client.close();
    });

    it('reads PopEnable as XMail does (atoi): "00" turns POP3 off', async () => {
      assert.equal(
        await pop3Login(address('zeropop'), PASSWORD),
        '-ERR [AUTH] POP3 access is disabled for this account',
      );
    });

    it('submission: MAIL FROM must be an address the authenticated account owns (553 5.7.1 otherwise)', async () => {
      const alice = address('alice');
      const client = await smtpSession(ports.submission);
      assert.match(await client.smtp(authPlain(alice, PASSWORD)), /^235 /);
      for (const other of [address('bob'), address('carol', 'example.net'), 'someone@remote.test'])
        assert.equal(
          await client.smtp(`MAIL FROM:<${other}>`),
          `553 5.7.1 <${other}>: Sender address rejected: not owned by user ${alice}`,
        );
      for (const own of [alice, alice.toUpperCase(), address('al'), '']) {
        assert.equal(await client.smtp(`MAIL FROM:<${own}>`), '250 2.1.0 Accepted', `<${own}>`);
        assert.match(await client.smtp('RSET'), /^250 /);
      }
      client.close();

      // A real client, end to end: the own address is queued, another one is refused at MAIL FROM.
      const transport = nodemailer.createTransport({
        host: '127.0.0.1',
        port: ports.submission,
        ignoreTLS: true,
        auth: { user: alice, pass: PASSWORD },
      });
      try {
        const sent = await transport.sendMail({
          envelope: { from: alice, to: [address('bob')] },
          raw: `From: ${alice}\r\nSubject: mine\r\n\r\nx\r\n`,
        });
        assert.match(sent.response, /^250 2\.6\.0 Ok: queued as /);
        await assert.rejects(
          transport.sendMail({
            envelope: { from: address('bob'), to: [address('bob')] },
            raw: `From: ${address('bob')}\r\nSubject: forged\r\n\r\nx\r\n`,
          }),
          (err: { responseCode?: number; response?: string }) =>
            err.responseCode === 553 && /^553 5\.7\.1 /.test(err.response ?? ''),
        );
      } finally {
        transport.close();
      }
    });

    it('smtp (port 25): the sender check is off by default, as documented', async () => {
      const client = await smtpSession(ports.smtp);
      assert.match(await client.smtp(authPlain(address('alice'), PASSWORD)), /^235 /);
      assert.equal(await client.smtp(`MAIL FROM:<${address('bob')}>`), '250 2.1.0 Accepted');
      client.close();
    });

    it('takes as long for an unknown user as for a wrong password (one scrypt each)', async () => {
      const timed = async (user: string, password: string): Promise<number> => {
        const start = process.hrtime.bigint();
        assert.equal(await pop3Login(user, password), '-ERR [AUTH] invalid user name or password');
        return Number(process.hrtime.bigint() - start) / 1e6;
      };
      const known: number[] = [];
      const unknown: number[] = [];
      for (let i = 0; i < THRESHOLD - 1; i++) {
        known.push(await timed(address('timing'), `wrong ${i}`));
        unknown.push(await timed(address('nobody'), `wrong ${i}`));
      }
      const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
      // Generous: without the dummy hash an unknown user answers 20-50 times faster.
      assert.ok(
        median(unknown) >= median(known) * 0.4,
        `unknown user ${median(unknown).toFixed(1)} ms, wrong password ${median(known).toFixed(1)} ms`,
      );
    });

    it('CTRL userlist with no arguments lists every user of every domain (spec §2, §3.3)', async () => {
      const client = await CtrlClient.connect(ports.ctrl);
      assert.deepEqual(await client.raw(`"${admin}"\t"${client.md5('secret')}"`), ['+00000 OK']);
      const listing = await client.command('userlist');
      client.close();
      assert.equal(listing[0], '+00100 OK');
      assert.equal(listing.at(-1), '.');
      const rows = listing.slice(1, -1).map((line) => {
        const [domain, name, password, type] = line.split('\t').map((field) => field.slice(1, -1));
        assert.match(password, /^scrypt\$/);
        return `${name}@${domain} ${type}`;
      });
      const users = ['alice', 'bob', 'race', 'smtprace', 'ipv6', 'timing', 'zeropop'].map(
        (name) => `${address(name)} U`,
      );
      assert.deepEqual(rows, [
        ...users,
        `${address('carol', 'example.net')} U`,
        `${address('list')} M`,
        `${address('avlist')} U`,
      ]);
    });
  });
}
