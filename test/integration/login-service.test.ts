/**
 * The one login path (LoginService) over real sockets, on every storage adapter: an `auth` hook
 * handler refuses a correct password on SMTP AUTH, POP3 and CTRL with its own text; every
 * protocol records the last login; and the plain-text rule refuses passwords before TLS from an
 * untrusted address while taking them after STARTTLS / STLS / `#!TLS`.
 *
 * "Untrusted" here is honest, not a test switch: the client binds to 127.0.0.2 and talks to a
 * listener on 127.0.0.1, so it is not the same host by the rule's definition (the client's
 * address is not the connection's local address), and every plugin's trustedNetworks is
 * ['127.0.0.1'], which leaves 127.0.0.2 out. A client on 127.0.0.1 is the same host.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import nodemailer from 'nodemailer';
import {
  AdminServiceToken,
  definePlugin,
  pass,
  reject,
  type HookPayloads,
  type Kernel,
  type Storage,
} from '../../core/index.js';
import { directorySetup } from '../helpers/directory-setup.js';
import { useAdapterInfra } from '../helpers/adapter-infra.js';
import { ADAPTER_NAMES, type TestStorage } from '../helpers/adapters.js';
import { LineBuffer } from '../helpers/line-buffer.js';
import { startTestKernel, onFreePorts } from '../helpers/test-kernel.js';

const PASSWORD = 'the right password';
const VETO_TEXT = 'logins of this user are suspended';
const SAME_HOST = '127.0.0.1';
const UNTRUSTED = '127.0.0.2';

const infra = useAdapterInfra('login-service');

/** A third-party plugin: an `auth` hook that refuses every user whose name starts with `vetoed`. */
function vetoPlugin(seen: HookPayloads['auth'][]) {
  return definePlugin({
    name: 'veto-test',
    version: '1.0.0',
    start(ctx) {
      ctx.hooks.on('auth', 'veto-test', (payload) => {
        seen.push(payload);
        return payload.username.startsWith('vetoed') ? reject(535, VETO_TEXT) : pass();
      });
    },
  });
}

/** A raw line client that can bind its own address and upgrade to TLS in place (STLS, #!TLS). */
class RawClient {
  private lines: LineBuffer;

  private constructor(private socket: net.Socket) {
    this.lines = new LineBuffer().attach(socket);
  }

  static async connect(port: number, localAddress: string): Promise<RawClient> {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress });
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new RawClient(socket);
  }

  /** TLS from the first byte (pop3s). */
  static async connectTls(port: number, localAddress: string): Promise<RawClient> {
    const client = await RawClient.connect(port, localAddress);
    await client.startTls();
    return client;
  }

  async line(): Promise<string> {
    const line = await this.lines.next(10_000);
    if (line === null) throw new Error('the server closed the connection');
    return line;
  }

  async command(line: string): Promise<string> {
    this.socket.write(`${line}\r\n`);
    return this.line();
  }

  /** Lines up to and including the one `last` matches (CAPA's `.`). */
  async until(last: RegExp): Promise<string[]> {
    const lines = [await this.line()];
    while (!last.test(lines.at(-1)!)) lines.push(await this.line());
    return lines;
  }

  async startTls(): Promise<void> {
    const secure = tls.connect({ socket: this.socket, rejectUnauthorized: false });
    await new Promise((resolve, reject) => secure.once('secureConnect', resolve).once('error', reject));
    this.socket = secure;
    this.lines = new LineBuffer().attach(secure);
  }

  close(): void {
    this.socket.destroy();
  }
}

for (const adapter of ADAPTER_NAMES) {
  describe(`one login path on the ${adapter} storage adapter`, () => {
    let dir: string;
    let testStorage: TestStorage | undefined;
    let kernel: Kernel;
    let storage: Storage;
    let ports: { pop3: number; pop3s: number; submission: number; ctrl: number };
    const hookCalls: HookPayloads['auth'][] = [];
    const named = (name: string) => `${name}-${adapter}`;
    const address = (name: string) => `${named(name)}@example.org`;
    const key = (name: string) => ({ domain: 'example.org', name: named(name) });

    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), `mw-login-service-${adapter}-`));
      testStorage = await infra().storages.open(adapter);
      const trustedNetworks = [SAME_HOST];
      const started = await startTestKernel(
        {
          storage: testStorage.url,
          redis: { url: infra().redis.url },
          plugins: {
            queue: { prefix: `login-service-${adapter}` },
            smtp: { hostname: 'mx.example.org', reverseDns: false, trustedNetworks },
            pop3: { trustedNetworks },
            'xmail-ctrl': { trustedNetworks },
          },
          listen: onFreePorts('smtp', 'submission', 'smtps', 'pop3', 'pop3s', 'xmail-ctrl', 'xmail-ctrls'),
        },
        dir,
        [vetoPlugin(hookCalls)],
      );
      kernel = started.kernel;
      storage = started.storage;
      ports = {
        pop3: started.port('pop3'),
        pop3s: started.port('pop3s'),
        submission: started.port('submission'),
        ctrl: started.port('xmail-ctrl'),
      };
      const directory = directorySetup(kernel.container);
      await directory.addDomain('example.org');
      for (const name of ['alice', 'bob', 'vetoed']) await directory.addUser(address(name), PASSWORD);
      const admins = kernel.container.resolve(AdminServiceToken);
      await admins.add(named('admin'), PASSWORD);
      await admins.add(named('vetoed-admin'), PASSWORD);
    });

    after(async () => {
      await kernel?.stop();
      await testStorage?.cleanup();
      await rm(dir, { recursive: true, force: true });
    });

    /** nodemailer on submission: STARTTLS when `tls`, else AUTH PLAIN in clear text. */
    async function smtpAuth(user: string, opts: { from: string; tls: boolean }): Promise<unknown> {
      const transport = nodemailer.createTransport({
        host: '127.0.0.1',
        port: ports.submission,
        localAddress: opts.from,
        secure: false,
        ignoreTLS: !opts.tls,
        requireTLS: opts.tls,
        tls: { rejectUnauthorized: false },
        auth: { user, pass: PASSWORD, method: 'PLAIN' },
      });
      try {
        return await transport.verify();
      } catch (err) {
        return err;
      } finally {
        transport.close();
      }
    }

    async function pop3Login(user: string, opts: { from: string; stls: boolean }): Promise<string> {
      const client = await RawClient.connect(ports.pop3, opts.from);
      try {
        assert.match(await client.line(), /^\+OK /);
        if (opts.stls) {
          assert.match(await client.command('STLS'), /^\+OK/);
          await client.startTls();
        }
        const user_ = await client.command(`USER ${user}`);
        if (!user_.startsWith('+OK')) return user_;
        const reply = await client.command(`PASS ${PASSWORD}`);
        if (reply.startsWith('+OK')) await client.command('QUIT');
        return reply;
      } finally {
        client.close();
      }
    }

    async function ctrlLogin(admin: string, opts: { from: string; tls: boolean }): Promise<string> {
      const client = await RawClient.connect(ports.ctrl, opts.from);
      try {
        assert.match(await client.line(), /^\+00000 /);
        if (opts.tls) {
          assert.match(await client.command('#!TLS'), /^\+00000/);
          await client.startTls();
        }
        return await client.command(`${admin}\t${PASSWORD}`);
      } finally {
        client.close();
      }
    }

    it('an auth hook refuses a correct password on SMTP AUTH, POP3 and CTRL, with its text', async () => {
      const smtp = (await smtpAuth(address('vetoed'), { from: SAME_HOST, tls: false })) as Error;
      assert.ok(smtp instanceof Error, 'SMTP AUTH is refused');
      // smtp-server adds the enhanced status code 535 carries (5.7.8).
      assert.match(smtp.message, new RegExp(`535 5\\.7\\.8 ${VETO_TEXT}$`));
      assert.equal(
        await pop3Login(address('vetoed'), { from: SAME_HOST, stls: false }),
        `-ERR [AUTH] ${VETO_TEXT}`,
      );
      assert.equal(
        await ctrlLogin(named('vetoed-admin'), { from: SAME_HOST, tls: false }),
        `-00105 ${VETO_TEXT}`,
      );

      // The hook saw correct passwords (success) on each listener; the veto recorded no login.
      const vetoed = hookCalls.filter((call) => call.username.startsWith('vetoed'));
      assert.deepEqual(
        vetoed.map(({ protocol, success }) => ({ protocol, success })),
        [
          { protocol: 'submission', success: true },
          { protocol: 'pop3', success: true },
          { protocol: 'xmail-ctrl', success: true },
        ],
      );
      assert.equal(await storage.accounts.lastLogin(key('vetoed')), null);
    });

    it('tells the auth hook the listener a login came in on (pop3s, not pop3)', async () => {
      const client = await RawClient.connectTls(ports.pop3s, SAME_HOST);
      try {
        assert.match(await client.line(), /^\+OK /);
        assert.match(await client.command(`USER ${address('vetoed')}`), /^\+OK/);
        assert.equal(await client.command(`PASS ${PASSWORD}`), `-ERR [AUTH] ${VETO_TEXT}`);
      } finally {
        client.close();
      }
      assert.equal(hookCalls.filter((call) => call.username.startsWith('vetoed')).at(-1)?.protocol, 'pop3s');
    });

    it('the others log in, and the last login is recorded for SMTP AUTH as for POP3', async () => {
      assert.equal(await smtpAuth(address('alice'), { from: SAME_HOST, tls: true }), true);
      const smtp = await storage.accounts.lastLogin(key('alice'));
      assert.equal(smtp?.protocol, 'SMTP');
      assert.equal(smtp?.ip, SAME_HOST);

      assert.match(await pop3Login(address('bob'), { from: SAME_HOST, stls: false }), /^\+OK /);
      const pop3 = await storage.accounts.lastLogin(key('bob'));
      assert.equal(pop3?.protocol, 'POP3');
      assert.ok(Date.now() - pop3!.at.getTime() < 60_000);

      // Administrators are not accounts: the admin store keeps no login record.
      assert.equal(await ctrlLogin(named('admin'), { from: SAME_HOST, tls: false }), '+00000 OK');
    });

    it('refuses plain-text passwords before TLS from an untrusted address, and takes them after it', async () => {
      const clear = (await smtpAuth(address('alice'), { from: UNTRUSTED, tls: false })) as Error;
      assert.ok(clear instanceof Error, 'SMTP AUTH PLAIN before STARTTLS is refused');
      assert.match(clear.message, /538 5\.7\.11 /);
      assert.equal(await smtpAuth(address('alice'), { from: UNTRUSTED, tls: true }), true);
      assert.equal((await storage.accounts.lastLogin(key('alice')))?.ip, UNTRUSTED);

      assert.equal(
        await pop3Login(address('bob'), { from: UNTRUSTED, stls: false }),
        '-ERR [AUTH] plain-text authentication is not allowed before STLS',
      );
      assert.match(await pop3Login(address('bob'), { from: UNTRUSTED, stls: true }), /^\+OK /);

      assert.match(
        await ctrlLogin(named('admin'), { from: UNTRUSTED, tls: false }),
        /^-00105 Clear-text login refused before #!TLS/,
      );
      assert.equal(await ctrlLogin(named('admin'), { from: UNTRUSTED, tls: true }), '+00000 OK');
    });

    it('POP3 CAPA offers USER and SASL before STLS only where plain-text passwords are taken', async () => {
      const capa = async (from: string) => {
        const client = await RawClient.connect(ports.pop3, from);
        try {
          await client.line();
          return await client.command('CAPA').then(async (first) => [first, ...(await client.until(/^\.$/))]);
        } finally {
          client.close();
        }
      };
      assert.ok((await capa(SAME_HOST)).includes('USER'));
      assert.ok(!(await capa(UNTRUSTED)).includes('USER'));
    });
  });
}
