/**
 * core/net's listener on its own, over real sockets: the total cap, IPv4 clients of a dual-stack
 * listener counted (and trusted) as a.b.c.d, and a connection closed while its TLS handshake is
 * still in progress.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSecureContext } from 'node:tls';
import {
  ConnectionLimits,
  loadTlsContext,
  Metrics,
  NetworkList,
  openTcpListener,
  type ConnectionHandler,
  type TcpListener,
} from '../../core/index.js';
import { LineClient } from '../helpers/line-client.js';
import { quietLogger } from '../helpers/logger.js';
import { waitFor } from '../helpers/queue-testbed.js';

const REPLIES = { total: 'BUSY total', 'per-address': 'BUSY address', failure: 'FAILED' };

async function listener(
  limits: { maxConnections: number; maxConnectionsPerAddress: number; trusted: string[] },
  handler: ConnectionHandler,
  host = '127.0.0.1',
): Promise<{ listener: TcpListener; metrics: Metrics }> {
  const metrics = new Metrics();
  const opened = await openTcpListener({
    protocol: 'test',
    where: { host, port: 0 },
    tlsHandshakeTimeoutMs: 10_000,
    limits: new ConnectionLimits({ ...limits, trusted: new NetworkList(limits.trusted) }),
    replies: REPLIES,
    metrics,
    logger: quietLogger(),
    handler,
  });
  return { listener: opened, metrics };
}

/** Greets, then keeps the connection until the client or the listener closes it. */
const greeter: ConnectionHandler = (connection) => {
  connection.socket.write('HELLO\r\n');
  return new Promise<void>((resolve) => {
    connection.socket.once('close', resolve);
    connection.closing.addEventListener('abort', () => connection.close('BYE'));
  });
};

async function active(metrics: Metrics): Promise<number> {
  return (await metrics.activeConnections.get()).values[0]?.value ?? 0;
}

describe('core/net listener', () => {
  it('refuses a connection over maxConnections with the total line, whatever the address', async () => {
    const { listener: server } = await listener(
      { maxConnections: 2, maxConnectionsPerAddress: 10, trusted: ['127.0.0.0/8'] },
      greeter,
    );
    const port = server.address.port;
    const clients = [await LineClient.connect(port), await LineClient.connect(port)];
    for (const client of clients) assert.equal(await client.line(), 'HELLO');
    const refused = await LineClient.connect(port);
    assert.equal(await refused.line(), 'BUSY total');
    assert.equal(await refused.line(), null);
    await server.close();
    for (const client of clients) assert.equal(await client.line(), 'BYE');
  });

  it('counts an IPv4 client of a dual-stack listener as a.b.c.d, for the cap and for trustedNetworks', async () => {
    const { listener: counted } = await listener(
      { maxConnections: 10, maxConnectionsPerAddress: 1, trusted: ['127.0.0.2'] },
      greeter,
      '::',
    );
    const port = counted.address.port;
    const first = await LineClient.connect(port);
    assert.equal(await first.line(), 'HELLO');
    const second = await LineClient.connect(port);
    assert.equal(await second.line(), 'BUSY address');
    const trusted = [
      await LineClient.connect(port, { localAddress: '127.0.0.2' }),
      await LineClient.connect(port, { localAddress: '127.0.0.2' }),
    ];
    for (const client of trusted) assert.equal(await client.line(), 'HELLO');
    await counted.close();
  });

  it('closes a connection whose TLS handshake is still in progress without harm', async () => {
    const home = await mkdtemp(path.join(tmpdir(), 'mw-tcp-listener-'));
    const context = createSecureContext(await loadTlsContext(home));
    const { listener: server, metrics } = await listener(
      { maxConnections: 10, maxConnectionsPerAddress: 10, trusted: [] },
      async (connection) => {
        connection.socket.write('GO AHEAD\r\n');
        // An idle timeout firing while the client stalls in the handshake.
        setTimeout(() => connection.close('IDLE'), 100);
        // The protocol's own business: a handshake that did not happen ends the session.
        await connection.startTls(context).catch(() => undefined);
      },
    );
    const client = await LineClient.connect(server.address.port, { allowHalfOpen: true });
    assert.equal(await client.line(), 'GO AHEAD');
    await client.ended;
    await waitFor('the slot to be free', async () => (await active(metrics)) === 0);
    assert.equal((await metrics.connectionErrors.get()).values.length, 0);
    client.close();
    await server.close();
    await rm(home, { recursive: true, force: true });
  });
});
