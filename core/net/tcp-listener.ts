import net, { type AddressInfo, type Socket } from 'node:net';
import type { SecureContext } from 'node:tls';
import type { Logger } from 'pino';
import type { ListenAddress } from '../config/listen.js';
import type { Metrics } from '../runtime/metrics.js';
import { Connection } from './connection.js';
import type { ConnectionLimits, LimitRefusal } from './connection-limits.js';

/**
 * Serves one connection. When it returns a promise, the connection is over once that settles
 * (the listener then closes the socket); when it returns nothing, the socket is the handler's
 * until it closes. A throw or a rejection closes this connection only.
 */
export type ConnectionHandler = (connection: Connection) => void | Promise<void>;

export interface TcpListenerOptions {
  /** Label for metrics and logs (`pop3`, `xmail-ctrl` ...). */
  protocol: string;
  where: ListenAddress;
  /** TLS from the first byte (pop3s, xmail-ctrls). */
  tls?: SecureContext;
  /** For the implicit-TLS handshake and for `Connection.startTls`. */
  tlsHandshakeTimeoutMs: number;
  /** Shared by the listeners of one plugin. */
  limits: ConnectionLimits;
  /**
   * The protocol's lines (without CRLF) for a refused connection and for one whose handler
   * failed, e.g. POP3's `-ERR [SYS/TEMP] ...`, SMTP's `421 ...`.
   */
  replies: Record<LimitRefusal | 'failure', string>;
  metrics: Metrics;
  logger: Logger;
  handler: ConnectionHandler;
}

export interface TcpListener {
  /** Where it really listens (port 0 resolved). */
  readonly address: ListenAddress;
  /**
   * Stops accepting and signals every open connection (`Connection.closing`); resolves once all
   * of them are closed.
   */
  close(): Promise<void>;
  /** Drops every open connection now. */
  destroyAll(): void;
}

/**
 * A TCP listener, plain or implicit TLS, that every hand-written protocol shares: connection caps
 * (refusals answered with the protocol's line), a TLS handshake deadline, connection metrics, and
 * an error boundary per connection so that nothing one client's session throws ends the process.
 */
export async function openTcpListener(options: TcpListenerOptions): Promise<TcpListener> {
  const { protocol, metrics, logger } = options;
  const open = new Set<Connection>();
  const closing = new AbortController();
  let emptied: (() => void) | undefined;

  const accept = async (raw: Socket): Promise<void> => {
    metrics.connections.inc({ protocol });
    // Line protocols answer a command in several writes: without this, Nagle's algorithm holds
    // the later ones until the client's delayed ACK (~40 ms).
    raw.setNoDelay(true);
    const log = logger.child({ protocol, remote: raw.remoteAddress });
    let failed = false;
    const connection = new Connection(raw, {
      tlsHandshakeTimeoutMs: options.tlsHandshakeTimeoutMs,
      logger: log,
      closing: closing.signal,
      onFailure: (err) => {
        if (failed) return log.debug({ err }, 'connection failed again while closing');
        failed = true;
        log.error({ err }, 'connection handler failed; closing this connection');
        metrics.connectionErrors.inc({ protocol });
        connection.close(options.replies.failure);
      },
    });
    open.add(connection);
    const admission = options.limits.admit(connection.remoteAddress);
    if (admission.admitted) metrics.activeConnections.inc({ protocol });
    raw.once('close', () => {
      open.delete(connection);
      if (admission.admitted) {
        admission.release();
        metrics.activeConnections.dec({ protocol });
      }
      if (open.size === 0) emptied?.();
    });
    // On an implicit-TLS listener a refused client, too, gets the handshake (within its
    // deadline, holding no slot): otherwise it could not read why it was refused.
    if (options.tls) {
      try {
        await connection.startTls(options.tls);
      } catch (err) {
        return log.debug({ err }, 'implicit TLS handshake failed');
      }
    }
    if (!admission.admitted) {
      metrics.refusedConnections.inc({ protocol, reason: admission.refusal });
      return connection.close(options.replies[admission.refusal]);
    }
    run(connection, options.handler);
  };

  const server = net.createServer((raw) =>
    accept(raw).catch((err: unknown) => {
      logger.error({ err, protocol }, 'accepting a connection failed');
      raw.destroy();
    }),
  );
  server.on('error', (err) => logger.error({ err, protocol }, 'listener error'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject).listen(options.where.port, options.where.host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  return {
    address: { host: options.where.host, port: (server.address() as AddressInfo).port },
    close: async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      const drained = open.size === 0 ? undefined : new Promise<void>((resolve) => (emptied = resolve));
      closing.abort();
      await Promise.all([stopped, drained]);
    },
    destroyAll: () => open.forEach((connection) => connection.destroy()),
  };
}

/** Runs the handler inside the connection's boundary: sync throws and rejections alike. */
function run(connection: Connection, handler: ConnectionHandler): void {
  let outcome: void | Promise<void>;
  try {
    outcome = handler(connection);
  } catch (err) {
    return connection.fail(err);
  }
  outcome?.then(
    () => connection.close(),
    (err: unknown) => connection.fail(err),
  );
}
