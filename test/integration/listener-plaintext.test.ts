/**
 * The plain-text login rule per listener (`listeners:` in a plugin's section), over real sockets:
 * the listeners of one plugin answer the same clear-text login from the same client differently
 * when their settings differ, and a listener's entry can widen the plugin's rule (`anywhere`, more
 * `trustedNetworks`) as well as narrow it.
 *
 * The client is really untrusted: it binds to 127.0.0.2 and talks to listeners on 127.0.0.1, so it
 * is not the same host, and the plugins' trustedNetworks (['127.0.0.1']) leave it out unless a
 * listener's entry lets it in. The rule reads no storage, so one adapter (file) is enough here;
 * test/integration/login-service.test.ts runs the login path on every adapter.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AdminServiceToken, type Kernel } from '../../core/index.js';
import { directorySetup } from '../helpers/directory-setup.js';
import { useAdapterInfra } from '../helpers/adapter-infra.js';
import type { TestStorage } from '../helpers/adapters.js';
import { LineClient } from '../helpers/line-client.js';
import { onFreePorts, startTestKernel, type TestKernel } from '../helpers/test-kernel.js';

const UNTRUSTED = '127.0.0.2';
const USER = 'alice@example.org';
const ADMIN = 'ops';
const PASSWORD = 'the right password';

const infra = useAdapterInfra('listener-plaintext');

describe('the plain-text login rule, per listener', () => {
  let dir: string;
  let testStorage: TestStorage | undefined;
  let started: TestKernel;
  let kernel: Kernel;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'mw-listener-plaintext-'));
    testStorage = await infra().storages.open('file');
    const trustedNetworks = ['127.0.0.1'];
    started = await startTestKernel(
      {
        storage: testStorage.url,
        redis: { url: infra().redis.url },
        plugins: {
          queue: { prefix: 'listener-plaintext' },
          // smtp (old clients on port 25) takes clear passwords from anywhere; submission keeps
          // the plugin's `trusted`.
          smtp: {
            hostname: 'mx.example.org',
            reverseDns: false,
            trustedNetworks,
            listeners: { smtp: { plaintextAuth: 'anywhere' } },
          },
          // pop3 trusts one more address for clear logins than the plugin does.
          pop3: { trustedNetworks, listeners: { pop3: { trustedNetworks: [UNTRUSTED] } } },
          // The plugin says `anywhere`; its plain listener is held to `trusted`.
          'xmail-ctrl': {
            trustedNetworks,
            plaintextAuth: 'anywhere',
            listeners: { 'xmail-ctrl': { plaintextAuth: 'trusted' } },
          },
        },
        listen: onFreePorts('smtp', 'submission', 'smtps', 'pop3', 'pop3s', 'xmail-ctrl', 'xmail-ctrls'),
      },
      dir,
    );
    kernel = started.kernel;
    const directory = directorySetup(kernel.container);
    await directory.addDomain('example.org');
    await directory.addUser(USER, PASSWORD);
    await kernel.container.resolve(AdminServiceToken).add(ADMIN, PASSWORD);
  });

  after(async () => {
    await kernel?.stop();
    await testStorage?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  /** EHLO, then AUTH PLAIN in clear text from the untrusted address: the AUTH reply. */
  async function smtpAuth(listener: 'smtp' | 'submission'): Promise<string> {
    const client = await LineClient.connect(started.port(listener), { localAddress: UNTRUSTED });
    try {
      assert.match((await client.smtpReply())[0], /^220 /);
      client.send('EHLO client.example.net');
      assert.match((await client.smtpReply()).at(-1)!, /^250 /);
      client.send(`AUTH PLAIN ${Buffer.from(`\0${USER}\0${PASSWORD}`).toString('base64')}`);
      return (await client.smtpReply()).join('\n');
    } finally {
      client.socket.destroy();
    }
  }

  it('SMTP: the same clear-text AUTH is taken on smtp and refused on submission', async () => {
    assert.match(await smtpAuth('smtp'), /^235 /);
    assert.match(await smtpAuth('submission'), /^538 5\.7\.11 /);
  });

  it("POP3: pop3's own trustedNetworks let the client log in with USER/PASS, and CAPA offers USER", async () => {
    const client = await LineClient.connect(started.port('pop3'), { localAddress: UNTRUSTED });
    try {
      assert.match((await client.line())!, /^\+OK /);
      assert.match(await client.command('CAPA'), /^\+OK/);
      const capabilities: string[] = [];
      for (let line = await client.line(); line !== '.'; line = await client.line()) capabilities.push(line!);
      assert.ok(capabilities.includes('USER'), capabilities.join(', '));
      assert.match(await client.command(`USER ${USER}`), /^\+OK/);
      assert.match(await client.command(`PASS ${PASSWORD}`), /^\+OK/);
      assert.match(await client.command('QUIT'), /^\+OK/);
    } finally {
      client.socket.destroy();
    }
  });

  it("CTRL: the plain listener's `trusted` wins over the plugin's `anywhere`", async () => {
    const client = await LineClient.connect(started.port('xmail-ctrl'), { localAddress: UNTRUSTED });
    try {
      assert.match((await client.line())!, /^\+00000 /);
      assert.match(await client.command(`${ADMIN}\t${PASSWORD}`), /^-00105 Clear-text login refused/);
    } finally {
      client.socket.destroy();
    }
  });
});
