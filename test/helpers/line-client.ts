/**
 * A raw line-protocol client over node:net (POP3, SMTP) for tests that must control exactly when
 * each byte goes out, such as many connections racing: it sends what it is given and hands back
 * the exact lines, without CRLF.
 */
import net from 'node:net';

const READ_TIMEOUT_MS = 20_000;

export class LineClient {
  private buffer = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  private closed = false;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  /** Connects to `host` (`::1` for IPv6 loopback) and reads nothing yet. */
  static async connect(port: number, host = '127.0.0.1'): Promise<LineClient> {
    const socket = net.connect({ port, host });
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new LineClient(socket);
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  /** Sends `line` and CRLF. */
  send(line: string): void {
    this.socket.write(line + '\r\n');
  }

  /** The next line; throws when the server closes first or nothing comes in time. */
  async line(timeoutMs = READ_TIMEOUT_MS): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = this.buffer.indexOf('\r\n');
      if (end >= 0) {
        const line = this.buffer.subarray(0, end).toString('latin1');
        this.buffer = this.buffer.subarray(end + 2);
        return line;
      }
      if (this.closed) throw new Error(`connection closed; unread: ${this.buffer.toString('latin1')}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no line from the server within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        setTimeout(resolve, left).unref();
      });
    }
  }

  /** Sends one line and returns the first line of the answer. */
  async command(line: string): Promise<string> {
    this.send(line);
    return this.line();
  }

  /** One SMTP reply: its lines up to the one whose code is followed by a space. */
  async smtpReply(): Promise<string[]> {
    const lines = [await this.line()];
    while (lines[lines.length - 1][3] === '-') lines.push(await this.line());
    return lines;
  }

  /** Sends one SMTP command and returns the last line of its reply. */
  async smtp(command: string): Promise<string> {
    this.send(command);
    return (await this.smtpReply()).at(-1)!;
  }

  close(): void {
    this.socket.destroy();
  }
}
