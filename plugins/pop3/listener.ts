import net, { type AddressInfo, type Socket } from 'node:net';
import tls from 'node:tls';
import type { ListenAddress } from '../../core/index.js';
import { Pop3Session, type Pop3Services } from './session.js';

const PROTOCOL = 'pop3';

export interface OpenListener {
  address: ListenAddress;
  /** Stops accepting; resolves when the server is closed (sessions are the SessionSet's). */
  close(): Promise<void>;
}

/** The sessions open in this process over both listeners, for maxConnections and shutdown. */
export class SessionSet {
  private readonly sessions = new Set<Pop3Session>();
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly services: Pop3Services,
    private readonly max: number,
  ) {}

  accept(socket: Socket): void {
    const { metrics, logger } = this.services;
    metrics.connections.inc({ protocol: PROTOCOL });
    // A RETR answer is several writes (status, body, terminator): with Nagle's algorithm the body
    // would wait ~40 ms for the client's delayed ACK of the status line.
    socket.setNoDelay(true);
    socket.on('error', (err) => logger.debug({ err }, 'POP3 connection error'));
    if (this.sessions.size >= this.max) {
      socket.end('-ERR [SYS/TEMP] too many connections, try again later\r\n');
      return;
    }
    const session = new Pop3Session(socket, this.services);
    this.sessions.add(session);
    metrics.activeConnections.inc({ protocol: PROTOCOL });
    session
      .run()
      .catch((err: unknown) => session.logger.error({ err }, 'POP3 session failed'))
      .finally(() => {
        this.sessions.delete(session);
        metrics.activeConnections.dec({ protocol: PROTOCOL });
        if (this.sessions.size === 0) for (const wake of this.waiters) wake();
      });
  }

  /** Asks every session to close (after its current command) and waits until all have. */
  async drain(): Promise<void> {
    if (this.sessions.size === 0) return;
    const empty = new Promise<void>((resolve) => this.waiters.add(resolve));
    for (const session of this.sessions) session.shutdown();
    await empty;
  }

  destroyAll(): void {
    for (const session of this.sessions) session.destroy();
  }
}

/** `pop3` (plain, STLS offered) or `pop3s` (TLS from the first byte). */
export async function openPop3Listener(
  name: 'pop3' | 'pop3s',
  where: ListenAddress,
  sessions: SessionSet,
  tlsOptions: tls.SecureContextOptions,
): Promise<OpenListener> {
  const server =
    name === 'pop3s'
      ? tls.createServer(tlsOptions, (socket) => sessions.accept(socket))
      : net.createServer((socket) => sessions.accept(socket));
  // A client that fails the implicit-TLS handshake never became a session.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(where.port, where.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    address: { host: where.host, port: (server.address() as AddressInfo).port },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
