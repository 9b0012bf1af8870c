import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import type { Logger } from 'pino';
import type { ClientChannel } from '../directory/login-policy.js';
import { guardEvents } from './event-guard.js';
import { unmapIPv4 } from './client-address.js';
import { tlsHandshake } from './tls-upgrade.js';

/** How long a closing connection may take to read its last line before it is dropped. */
const CLOSE_GRACE_MS = 5_000;

export interface ConnectionOptions {
  /** For `startTls`. */
  readonly tlsHandshakeTimeoutMs: number;
  readonly logger: Logger;
  /** Aborted when the listener closes: the protocol should finish the current command and close. */
  readonly closing: AbortSignal;
  /** Called with whatever the protocol code threw on this connection. */
  onFailure(err: unknown): void;
}

/**
 * One accepted client connection as a protocol handler sees it: the socket (the TLS one after an
 * upgrade), the client address, a shutdown signal, and the two ways to end it cleanly.
 */
export class Connection {
  /** The client's address, IPv4 clients of a dual-stack listener as a.b.c.d. */
  readonly remoteAddress: string;
  readonly logger: Logger;
  private current: Socket;
  private closed = false;
  private handshaking = false;
  private readonly clientGone = new AbortController();

  constructor(
    socket: Socket,
    private readonly options: ConnectionOptions,
  ) {
    this.current = socket;
    this.remoteAddress = unmapIPv4(socket.remoteAddress ?? '');
    this.logger = options.logger;
    guardEvents(socket, (err) => this.fail(err));
    socket.on('error', (err) => this.logger.debug({ err }, 'connection error'));
    socket.once('close', () => this.clientGone.abort());
  }

  /**
   * Aborted once the connection is closed, by either side: long work done for this client (a
   * mailbox opened at login) stops, and what it holds (a maildrop lock) is released at once.
   */
  get gone(): AbortSignal {
    return this.clientGone.signal;
  }

  /** The socket to read and write: the accepted one, or its TLS layer after `startTls`. */
  get socket(): Socket {
    return this.current;
  }

  /**
   * Where the client is, as the plain-text login rule sees it (login-policy.ts): TLS from the first
   * byte or after `startTls`, and both ends' addresses.
   */
  get channel(): ClientChannel {
    return {
      secure: this.current instanceof TLSSocket,
      remoteAddress: this.remoteAddress,
      localAddress: this.current.localAddress ?? '',
    };
  }

  /** Aborted when the listener closes (server shutdown). */
  get closing(): AbortSignal {
    return this.options.closing;
  }

  /**
   * STARTTLS, STLS, `#!TLS`: the handshake over this connection, within the listener's handshake
   * timeout. Rejects (and closes the connection) when the client does not complete it.
   */
  async startTls(context: SecureContext): Promise<TLSSocket> {
    const secure = new TLSSocket(this.current, { isServer: true, secureContext: context });
    // From here on, closing the connection (an idle timeout, shutdown) closes the TLS layer:
    // tearing the plain socket down under a handshake in progress crashes Node.
    this.current = secure;
    guardEvents(secure, (err) => this.fail(err));
    secure.on('error', (err) => this.logger.debug({ err }, 'TLS connection error'));
    this.handshaking = true;
    try {
      await tlsHandshake(secure, this.options.tlsHandshakeTimeoutMs);
    } finally {
      this.handshaking = false;
    }
    return secure;
  }

  /**
   * Sends `lastLine` (CRLF added) if given, ends the connection, and destroys the socket once that
   * is flushed, or after a grace period if the client does not read: a client that never closes
   * its side must not keep its slot.
   */
  close(lastLine?: string): void {
    const socket = this.current;
    if (this.closed || socket.destroyed) return;
    this.closed = true;
    // Mid-handshake nothing can be said any more: a last line would never get out.
    if (this.handshaking) {
      socket.destroy();
      return;
    }
    if (lastLine !== undefined && socket.writable) socket.write(`${lastLine}\r\n`);
    socket.destroySoon();
    const drop = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
    drop.unref();
    socket.once('close', () => clearTimeout(drop));
  }

  /** The error boundary: logs and counts `err`, answers with the protocol's failure line, closes. */
  fail(err: unknown): void {
    this.options.onFailure(err);
  }

  /** Drops the connection now, nothing more sent (shutdown deadline). */
  destroy(): void {
    this.current.destroy();
  }
}
