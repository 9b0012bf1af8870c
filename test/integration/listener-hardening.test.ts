/**
 * Listener hardening over real sockets: one client's bad request or a plugin's throwing
 * connection code never ends the process; sessions that time out, stall in a TLS handshake or
 * half-close give their slot back; the connection caps answer with each protocol's own line and
 * leave trusted networks (loopback by default) alone.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Kernel, Plugin } from '../../core/index.js';
import { startRedisServer, type RedisProcess } from '../../core/runtime/redis-process.js';
import {
  FAILURE_LINE,
  throwingListenerPlugin,
  type ThrowingWay,
} from '../fixtures/throwing-listener-plugin.js';
import { LineClient } from '../helpers/line-client.js';
import { waitFor } from '../helpers/queue-testbed.js';
import { startTestKernel, type TestKernel } from '../helpers/test-kernel.js';

const CTRL_BUSY = '-00129 Server too busy, retry later';
const POP3_PER_ADDRESS = '-ERR [SYS/TEMP] too many connections from your address, try again later';

async function activeConnections(kernel: Kernel, protocol: string): Promise<number> {
  const { values } = await kernel.metrics.activeConnections.get();
  return values.find((value) => value.labels.protocol === protocol)?.value ?? 0;
}

async function connectionErrors(kernel: Kernel, protocol: string): Promise<number> {
  const { values } = await kernel.metrics.connectionErrors.get();
  return values.find((value) => value.labels.protocol === protocol)?.value ?? 0;
}

/** Connects and reads the greeting. */
async function greeted(
  port: number,
  localAddress?: string,
): Promise<{ client: LineClient; greeting: string }> {
  const client = await LineClient.connect(port, { localAddress });
  return { client, greeting: (await client.line()) ?? '(closed)' };
}

let redis: RedisProcess;
let redisDir: string;
before(async () => {
  redisDir = await mkdtemp(path.join(tmpdir(), 'mw-hardening-redis-'));
  redis = await startRedisServer({ dir: redisDir });
});
after(async () => {
  await redis?.stop();
  await rm(redisDir, { recursive: true, force: true });
});

const LISTENERS: Record<string, string[]> = {
  smtp: ['smtp', 'submission', 'smtps'],
  pop3: ['pop3', 'pop3s'],
  'xmail-ctrl': ['xmail-ctrl', 'xmail-ctrls'],
  'admin-http': ['admin-http'],
};

/** A kernel with these plugin settings, every listener of theirs on a free loopback port. */
function startKernel(
  home: string,
  plugins: Record<string, unknown>,
  extra: Plugin[] = [],
): Promise<TestKernel> {
  const listen = Object.fromEntries(
    Object.keys(plugins).flatMap((plugin) => (LISTENERS[plugin] ?? []).map((name) => [name, '127.0.0.1:0'])),
  );
  return startTestKernel(
    { storage: `file:${path.join(home, 'mail')}`, redis: { url: redis.url }, plugins, listen },
    home,
    extra,
  );
}

describe('error boundaries: nothing one connection does ends the process', () => {
  let home: string;
  let server: TestKernel;
  let fixturePorts: Record<ThrowingWay, number>;

  before(async () => {
    home = await mkdtemp(path.join(tmpdir(), 'mw-hardening-boundary-'));
    server = await startKernel(
      home,
      {
        queue: { prefix: 'hardening-boundary' },
        smtp: { reverseDns: false },
        pop3: {},
        'xmail-ctrl': {},
        'admin-http': {},
      },
      [throwingListenerPlugin((ports) => (fixturePorts = ports))],
    );
  });
  after(async () => {
    await server?.kernel.stop();
    await rm(home, { recursive: true, force: true });
  });

  /** Every protocol still greets a new client. */
  async function assertStillServing(): Promise<void> {
    for (const [listener, greeting] of [
      ['smtp', /^220 /],
      ['pop3', /^\+OK /],
      ['xmail-ctrl', /^\+00000 </],
    ] as const) {
      const { client, greeting: line } = await greeted(server.port(listener));
      assert.match(line, greeting, listener);
      client.close();
    }
  }

  it('answers a malformed HTTP request target with 400 and keeps serving every protocol', async () => {
    const client = await LineClient.connect(server.port('admin-http'));
    client.write('GET http://[::1 HTTP/1.1\r\nHost: localhost\r\n\r\n');
    assert.equal(await client.line(), 'HTTP/1.1 400 Bad Request');
    client.close();

    const health = await fetch(`http://127.0.0.1:${server.port('admin-http')}/healthz`);
    assert.equal(health.status, 200);
    await assertStillServing();
  });

  for (const [way, what] of [
    ['sync', 'throws synchronously'],
    ['async', 'rejects'],
    ['event', "throws in a socket 'data' listener"],
  ] as const) {
    it(`closes only the connection whose plugin handler ${what}, with the failure line, and counts it`, async () => {
      const errorsBefore = await connectionErrors(server.kernel, 'fixture');
      const client = await LineClient.connect(fixturePorts[way]);
      if (way !== 'sync') {
        assert.equal(await client.line(), '+OK hello');
        client.write('anything\r\n');
      }
      assert.equal(await client.line(), FAILURE_LINE);
      assert.equal(await client.line(), null, 'the connection is closed after the failure line');
      assert.equal(await connectionErrors(server.kernel, 'fixture'), errorsBefore + 1);
      await waitFor(
        'the slot to be free',
        async () => (await activeConnections(server.kernel, 'fixture')) === 0,
      );
      await assertStillServing();
    });
  }

  it('shows the failures in /metrics', async () => {
    const text = await (await fetch(`http://127.0.0.1:${server.port('admin-http')}/metrics`)).text();
    assert.match(text, /^mailwright_connection_errors_total\{protocol="fixture"\} 3$/m);
  });
});

describe('sessions that time out, stall in TLS or half-close give their slot back', () => {
  let home: string;
  let server: TestKernel;
  const pop3Active = (): Promise<number> => activeConnections(server.kernel, 'pop3');
  const ctrlActive = (): Promise<number> => activeConnections(server.kernel, 'xmail-ctrl');

  before(async () => {
    home = await mkdtemp(path.join(tmpdir(), 'mw-hardening-timeouts-'));
    server = await startKernel(home, {
      pop3: { idleTimeoutSeconds: 1, tlsHandshakeTimeoutSeconds: 1 },
      'xmail-ctrl': { tlsHandshakeTimeoutSeconds: 1 },
    });
  });
  after(async () => {
    await server?.kernel.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('POP3: an idle client that never hangs up is told, then disconnected', async () => {
    const client = await LineClient.connect(server.port('pop3'), { allowHalfOpen: true });
    assert.match((await client.line()) ?? '', /^\+OK /);
    assert.equal(await pop3Active(), 1);
    assert.equal(await client.line(), '-ERR [SYS/TEMP] idle for too long, closing the connection');
    await client.ended;
    await waitFor('the POP3 slot to be free', async () => (await pop3Active()) === 0);
    client.close();
  });

  it('POP3: a client silent after STLS is dropped after the handshake timeout', async () => {
    const client = await LineClient.connect(server.port('pop3'), { allowHalfOpen: true });
    await client.line();
    client.write('STLS\r\n');
    assert.equal(await client.line(), '+OK begin TLS negotiation');
    await client.ended;
    await waitFor('the POP3 slot to be free', async () => (await pop3Active()) === 0);
    client.close();
  });

  it('POP3: a client that half-closes after STLS, or after the greeting, is released', async () => {
    const stls = await LineClient.connect(server.port('pop3'), { allowHalfOpen: true });
    await stls.line();
    stls.write('STLS\r\n');
    assert.equal(await stls.line(), '+OK begin TLS negotiation');
    stls.end();
    const plain = await LineClient.connect(server.port('pop3'), { allowHalfOpen: true });
    await plain.line();
    plain.end();
    await Promise.all([stls.ended, plain.ended]);
    await waitFor('both POP3 slots to be free', async () => (await pop3Active()) === 0);
    stls.close();
    plain.close();
  });

  it('POP3S and XMail CTRLS: a client that never starts the handshake is dropped after the timeout', async () => {
    for (const [listener, active] of [
      ['pop3s', pop3Active],
      ['xmail-ctrls', ctrlActive],
    ] as const) {
      const client = await LineClient.connect(server.port(listener), { allowHalfOpen: true });
      await waitFor(`the ${listener} connection to count`, async () => (await active()) === 1);
      await client.ended;
      await waitFor(`the ${listener} slot to be free`, async () => (await active()) === 0);
      client.close();
    }
  });

  it('XMail CTRL: a client silent after #!TLS is dropped after the handshake timeout', async () => {
    const client = await LineClient.connect(server.port('xmail-ctrl'), { allowHalfOpen: true });
    await client.line();
    client.write('#!TLS\r\n');
    assert.equal(await client.line(), '+00000 Ready to start TLS mode');
    await client.ended;
    await waitFor('the CTRL slot to be free', async () => (await ctrlActive()) === 0);
    client.close();
  });
});

describe('connection caps per address, with trusted networks exempt', () => {
  let home: string;
  let server: TestKernel;

  before(async () => {
    home = await mkdtemp(path.join(tmpdir(), 'mw-hardening-caps-'));
    server = await startKernel(home, {
      queue: { prefix: 'hardening-caps' },
      // Default trustedNetworks: loopback is exempt from the per-address cap.
      smtp: { reverseDns: false, maxConnectionsPerIp: 2 },
      // Loopback counted.
      pop3: { maxConnectionsPerAddress: 2, trustedNetworks: [] },
      // Only 127.0.0.2 trusted: 127.0.0.1 is counted.
      'xmail-ctrl': { maxConnectionsPerAddress: 2, trustedNetworks: ['127.0.0.2'] },
      'admin-http': { maxConnectionsPerAddress: 2, trustedNetworks: [], headersTimeoutSeconds: 1 },
    });
  });
  after(async () => {
    await server?.kernel.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('POP3: the connection over the cap gets -ERR [SYS/TEMP] and is closed; a freed slot is taken again', async () => {
    const first = await greeted(server.port('pop3'));
    const second = await greeted(server.port('pop3'));
    assert.match(first.greeting, /^\+OK /);
    assert.match(second.greeting, /^\+OK /);
    const third = await greeted(server.port('pop3'));
    assert.equal(third.greeting, POP3_PER_ADDRESS);
    assert.equal(await third.client.line(), null);

    first.client.write('QUIT\r\n');
    assert.equal(await first.client.line(), '+OK bye');
    let again = await greeted(server.port('pop3'));
    await waitFor('a POP3 slot to be free', async () => {
      if (again.greeting.startsWith('+OK ')) return true;
      again = await greeted(server.port('pop3'));
      return false;
    });
    second.client.close();
    again.client.close();
  });

  it('XMail CTRL: over the cap from a counted address gets -00129; a trusted address is not capped', async () => {
    const counted = [await greeted(server.port('xmail-ctrl')), await greeted(server.port('xmail-ctrl'))];
    for (const { greeting } of counted) assert.match(greeting, /^\+00000 </);
    const refused = await greeted(server.port('xmail-ctrl'));
    assert.equal(refused.greeting, CTRL_BUSY);
    assert.equal(await refused.client.line(), null);

    const trusted = [];
    for (let i = 0; i < 3; i++) trusted.push(await greeted(server.port('xmail-ctrl'), '127.0.0.2'));
    for (const { greeting } of trusted) assert.match(greeting, /^\+00000 </);
    for (const { client } of [...counted, ...trusted]) client.close();
  });

  it('admin-http: over the cap gets 503 and is closed; a client that never finishes its request head is dropped', async () => {
    const port = server.port('admin-http');
    const slow = [await LineClient.connect(port), await LineClient.connect(port)];
    for (const client of slow) client.write('GET /healthz HTTP/1.1\r\nHost: x\r\n'); // never finished
    const refused = await LineClient.connect(port);
    assert.equal(await refused.line(), 'HTTP/1.1 503 Service Unavailable');
    // The slow clients are answered 408 and closed after headersTimeoutSeconds, freeing the slots.
    for (const client of slow) {
      assert.equal(await client.line(5_000), 'HTTP/1.1 408 Request Timeout');
      await client.ended;
    }
    const health = await waitFor('a free admin-http slot', async () => {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null);
      return response?.status === 200 ? response : null;
    });
    assert.deepEqual(await health.json(), { status: 'ok', role: 'all' });
  });

  it('SMTP: loopback is trusted by default, so its sessions are not held to maxConnectionsPerIp', async () => {
    const sessions = [];
    for (let i = 0; i < 3; i++) sessions.push(await greeted(server.port('smtp')));
    for (const { greeting } of sessions) assert.match(greeting, /^220 /);
    for (const { client } of sessions) client.close();
  });
});
