import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';

/** An enhanced status code (RFC 3463) at the start of a reply text: `5.1.1 ...`. */
const LEADING_ENHANCED_CODE = /^[245]\.\d{1,3}\.\d{1,3} /;

/**
 * smtp-server with two changes, both in the connection class, which smtp-server offers no option
 * for (checked against smtp-server 3.21.6):
 *
 * 1. The greeting delay. `SMTPConnection.init()` waits a fixed 100 ms before greeting so that
 *    early talkers can be caught; that alone caps throughput at a few hundred sessions per second.
 *    `init()` is re-implemented here with the delay as a setting (0 = greet at once; an early
 *    talker is still refused while the connect hooks run).
 * 2. Enhanced status codes. With ENHANCEDSTATUSCODES on, smtp-server prefixes every reply with a
 *    code it guesses from the basic code (550 is always 5.1.1, 554 always 5.6.0). A reply text that
 *    already starts with its own enhanced code (`5.7.1 Relaying denied`) is sent as it is.
 */
export class MailwrightSmtpServer extends SMTPServer {
  constructor(
    options: SMTPServerOptions,
    private readonly earlyTalkerDelayMs: number,
  ) {
    super(options);
  }

  /** Same as SMTPServer.connect, with our connection class. */
  override connect(
    socket: Socket | TLSSocket,
    socketOptions?: ConstructorParameters<typeof SMTPConnection>[2],
  ): void {
    const connection = new MailwrightSmtpConnection(this, socket, socketOptions, this.earlyTalkerDelayMs);
    this.connections.add(connection);
    connection.on('error', (err: Error) => this._onError(err));
    connection.on('connect', (data) => this._onClientConnect(data));
    connection.init();
  }
}

class MailwrightSmtpConnection extends SMTPConnection {
  constructor(
    server: SMTPServer,
    socket: Socket | TLSSocket,
    options: ConstructorParameters<typeof SMTPConnection>[2],
    private readonly greetingDelayMs: number,
  ) {
    super(server, socket, options);
  }

  /** SMTPConnection.init with the greeting delay configurable. */
  override init(): void {
    this._setListeners(() => {
      const { maxClients } = this._server.options;
      if (maxClients && this._server.connections.size > maxClients) {
        return this.send(421, this.name + ' Too many connected clients, try again in a moment', false);
      }
      if (this.greetingDelayMs === 0) return this.connectionReady();
      setTimeout(() => this.connectionReady(), this.greetingDelayMs).unref();
    });
  }

  override send(code: number, data?: string | string[] | null, context?: string | false): void {
    super.send(code, data, typeof data === 'string' && LEADING_ENHANCED_CODE.test(data) ? false : context);
  }
}
