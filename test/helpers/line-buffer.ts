/**
 * The reading half of the raw test clients (LineClient, CtrlClient): what a socket delivers, handed
 * out as CRLF-terminated lines, and whether the server has ended the connection.
 */
import type { Socket } from 'node:net';

export class LineBuffer {
  private buffer = Buffer.alloc(0);
  private wake: (() => void) | undefined;
  /** The server sent FIN or the connection closed. */
  ended = false;
  private onEnded = (): void => undefined;
  /** Resolves once the server has ended the connection. */
  readonly whenEnded = new Promise<void>((resolve) => (this.onEnded = resolve));

  /** Reads `socket` from now on. */
  attach(socket: Socket): this {
    const ended = (): void => {
      this.ended = true;
      this.onEnded();
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
    return this;
  }

  /** What arrived and was not read as a line. */
  get unread(): string {
    return this.buffer.toString('latin1');
  }

  /** The next line without its CRLF; null when the server ended the connection first. */
  async next(timeoutMs: number): Promise<string | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = this.buffer.indexOf('\r\n');
      if (end >= 0) {
        const line = this.buffer.subarray(0, end).toString('latin1');
        this.buffer = this.buffer.subarray(end + 2);
        return line;
      }
      if (this.ended) return null;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no line within ${timeoutMs} ms; unread: ${this.unread}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
