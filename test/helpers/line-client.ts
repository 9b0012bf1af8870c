/**
 * A raw client for line protocols (SMTP, POP3, CTRL, HTTP heads): exact bytes in, exact lines
 * out, and the connection's state (has the server ended it, is it closed) for limit tests.
 */
import net from 'node:net';

const READ_TIMEOUT_MS = 10_000;

export interface LineClientOptions {
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
      host: '127.0.0.1',
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
