import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import { guardEvents } from '../../core/index.js';
import type { EtrnHandler } from './etrn.js';

/** An enhanced status code (RFC 3463) at the start of a reply text: `5.1.1 ...`. */
const LEADING_ENHANCED_CODE = /^[245]\.\d{1,3}\.\d{1,3} /;

/** What MailwrightSmtpServer adds to smtp-server's options. */
export interface SmtpServerExtensions {
  /** Greeting delay (ms) during which a client that talks first is refused. */
  earlyTalkerDelayMs: number;
  etrn: EtrnHandler;
  /** Logs and counts an exception thrown while serving one connection (which is then closed). */
  connectionFailed(err: unknown): void;
}

/**
 * smtp-server with three changes, all in the connection class, which smtp-server offers no option
 * for (checked against smtp-server 3.21.6):
 *
 * 1. The greeting delay. `SMTPConnection.init()` waits a fixed 100 ms before greeting so that
 *    early talkers can be caught; that alone caps throughput at a few hundred sessions per second.
 *    `init()` is re-implemented here with the delay as a setting (0 = greet at once; an early
 *    talker is still refused while the connect hooks run).
 * 2. Enhanced status codes. With ENHANCEDSTATUSCODES on, smtp-server prefixes every reply with a
 *    code it guesses from the basic code (550 is always 5.1.1, 554 always 5.6.0). A reply text that
 *    already starts with its own enhanced code (`5.7.1 Relaying denied`) is sent as it is.
 * 3. ETRN (RFC 1985). smtp-server runs a command through `handler_<NAME>` when the connection has
 *    one, so the command is a method here; EHLO advertises it (smtp-server's EHLO reply has a
 *    fixed feature list, so the keyword is added to the reply EHLO sends).
 * 4. An error boundary per connection: an exception in one of the socket's event listeners
 *    (smtp-server's own included) closes that connection with 421 instead of ending the process.
 */
export class MailwrightSmtpServer extends SMTPServer {
  constructor(
    options: SMTPServerOptions,
    private readonly extensions: SmtpServerExtensions,
  ) {
    super(options);
  }

  /** Same as SMTPServer.connect, with our connection class. */
  override connect(
    socket: Socket | TLSSocket,
    socketOptions?: ConstructorParameters<typeof SMTPConnection>[2],
  ): void {
    const connection = new MailwrightSmtpConnection(this, socket, socketOptions, this.extensions);
    guardEvents(socket, (err) => {
      this.extensions.connectionFailed(err);
      try {
        hangUp(connection, '4.3.0 Temporary local problem, closing the connection');
      } catch {
        socket.destroy();
      }
    });
    this.connections.add(connection);
    connection.on('error', (err: Error) => this._onError(err));
    connection.on('connect', (data) => this._onClientConnect(data));
    connection.init();
  }
}

/** 421 with `text`, then the connection is closed. */
export function hangUp(
  connection: { send(code: number, text: string): void; close(): void },
  text: string,
): void {
  connection.send(421, text);
  connection.close();
}

class MailwrightSmtpConnection extends SMTPConnection {
  constructor(
    server: SMTPServer,
    socket: Socket | TLSSocket,
    options: ConstructorParameters<typeof SMTPConnection>[2],
    private readonly extensions: SmtpServerExtensions,
  ) {
    super(server, socket, options);
  }

  /** Set while EHLO runs, so that its 250 reply gets the ETRN keyword. */
  private answeringEhlo = false;

  /** SMTPConnection.init with the greeting delay configurable. */
  override init(): void {
    this._setListeners(() => {
      const { maxClients } = this._server.options;
      if (maxClients && this._server.connections.size > maxClients) {
        return this.send(421, this.name + ' Too many connected clients, try again in a moment', false);
      }
      const delay = this.extensions.earlyTalkerDelayMs;
      if (delay === 0) return this.connectionReady();
      setTimeout(() => this.connectionReady(), delay).unref();
    });
  }

  override handler_EHLO(command: Buffer, callback: () => void): void {
    this.answeringEhlo = true;
    try {
      super.handler_EHLO(command, callback);
    } finally {
      this.answeringEhlo = false;
    }
  }

  /** `ETRN <node>`: outside a transaction, after HELO/EHLO, one argument. */
  handler_ETRN(command: Buffer, callback: () => void): void {
    const args = command.toString().trim().split(/\s+/).slice(1);
    if (!this.hostNameAppearsAs) {
      this.send(503, '5.5.1 Error: send HELO/EHLO first');
      return callback();
    }
    if (this.session.envelope.mailFrom) {
      this.send(503, '5.5.1 Error: ETRN is not allowed inside a mail transaction');
      return callback();
    }
    if (args.length !== 1) {
      this.send(501, '5.5.4 Syntax: ETRN <domain> | @<domain>');
      return callback();
    }
    this.extensions.etrn(args[0], this.session).then(
      ({ code, text }) => {
        this.send(code, text);
        callback();
      },
      () => {
        this.send(458, `4.3.0 Unable to queue messages for node ${args[0]}`);
        callback();
      },
    );
  }

  override send(code: number, data?: string | string[] | null, context?: string | false): void {
    if (this.answeringEhlo && code === 250 && Array.isArray(data)) data = [...data, 'ETRN'];
    super.send(code, data, typeof data === 'string' && LEADING_ENHANCED_CODE.test(data) ? false : context);
  }
}
