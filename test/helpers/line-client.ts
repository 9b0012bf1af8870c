/**
 * A raw client for line protocols (SMTP, POP3, CTRL, HTTP heads): exact bytes in, exact lines
 * out, and the connection's state (has the server ended it, is it closed) for limit tests.
 */
import net from 'node:net';

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
  private buffer = Buffer.alloc(0);
  private wake: (() => void) | undefined;
  /** The server sent FIN (or the connection broke). */
  serverEnded = false;
  /** Resolves once the server has ended its side. */
  readonly ended: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    let onEnd = (): void => undefined;
    this.ended = new Promise<void>((resolve) => (onEnd = resolve));
    const ended = (): void => {
      this.serverEnded = true;
      onEnd();
      this.notify();
    };
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.notify();
    });
    socket
      .on('end', ended)
      .on('close', ended)
      .on('error', () => undefined);
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

  write(text: string): void {
    this.socket.write(Buffer.from(text, 'latin1'));
  }

  /** The next line without its CRLF; null when the server ended the connection first. */
  async line(timeoutMs = READ_TIMEOUT_MS): Promise<string | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = this.buffer.indexOf('\r\n');
      if (end >= 0) {
        const line = this.buffer.subarray(0, end).toString('latin1');
        this.buffer = this.buffer.subarray(end + 2);
        return line;
      }
      if (this.serverEnded) return null;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no line within ${timeoutMs} ms; unread: ${this.buffer.toString()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
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
    if (line === null)
      throw new Error(`the server closed the connection; unread: ${this.buffer.toString('latin1')}`);
    return line;
  }

  /** Sends FIN: no more from us, still reading. */
  end(): void {
    this.socket.end();
  }

  close(): void {
    this.socket.destroy();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
