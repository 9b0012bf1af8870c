/**
 * A raw client for line protocols (SMTP, POP3, CTRL, HTTP heads): exact bytes in, exact lines
 * out, and the connection's state (has the server ended it, is it closed) for limit tests.
 */
import net from 'node:net';
import { LineBuffer } from './line-buffer.js';

const READ_TIMEOUT_MS = 10_000;

export interface LineClientOptions {
  /** The server's address (`::1` for IPv6 loopback); 127.0.0.1 by default. */
  host?: string;
  /** The client's own address (any 127.x.y.z works on loopback). */
  localAddress?: string;
  /** Keep our side open when the server ends its side: a client that never hangs up. */
  allowHalfOpen?: boolean;
}

export class LineClient {
  private readonly lines: LineBuffer;

  private constructor(readonly socket: net.Socket) {
    this.lines = new LineBuffer().attach(socket);
  }

  /** The server sent FIN (or the connection broke). */
  get serverEnded(): boolean {
    return this.lines.ended;
  }

  /** Resolves once the server has ended its side. */
  get ended(): Promise<void> {
    return this.lines.whenEnded;
  }

  static async connect(port: number, options: LineClientOptions = {}): Promise<LineClient> {
    const socket = net.connect({
      host: options.host ?? '127.0.0.1',
      port,
      localAddress: options.localAddress,
      allowHalfOpen: options.allowHalfOpen ?? false,
    });
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new LineClient(socket);
  }

  /** A client over a socket that is already connected (a TLS layer after STARTTLS). */
  static wrap(socket: net.Socket): LineClient {
    return new LineClient(socket);
  }

  write(text: string): void {
    this.socket.write(Buffer.from(text, 'latin1'));
  }

  /** The next line without its CRLF; null when the server ended the connection first. */
  line(timeoutMs = READ_TIMEOUT_MS): Promise<string | null> {
    return this.lines.next(timeoutMs);
  }

  /** Sends `line` and CRLF. */
  send(line: string): void {
    this.write(`${line}\r\n`);
  }

  /** Sends one line and returns the first line of the answer (throws if the server hangs up first). */
  async command(line: string): Promise<string> {
    this.send(line);
    return this.requireLine();
  }

  /** One SMTP reply: its lines up to the one whose code is followed by a space. */
  async smtpReply(): Promise<string[]> {
    const lines = [await this.requireLine()];
    while (lines[lines.length - 1][3] === '-') lines.push(await this.requireLine());
    return lines;
  }

  /** Sends one SMTP command and returns the last line of its reply. */
  async smtp(command: string): Promise<string> {
    this.send(command);
    return (await this.smtpReply()).at(-1)!;
  }

  /** The next line; throws when the server ended the connection first. */
  async requireLine(): Promise<string> {
    const line = await this.line();
    if (line === null) throw new Error(`the server closed the connection; unread: ${this.lines.unread}`);
    return line;
  }

  /** Sends FIN: no more from us, still reading. */
  end(): void {
    this.socket.end();
  }

  close(): void {
    this.socket.destroy();
  }
}
