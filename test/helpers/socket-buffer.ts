/**
 * What a server sent on a raw test socket, kept as bytes until a test takes the part it waits for
 * (a line, a multi-line body, everything up to a tagged IMAP completion): the exact bytes, with
 * nothing decoded or split on the way.
 */
import net from 'node:net';

export class SocketBuffer {
  private buffer = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  private closed = false;

  constructor(socket: net.Socket) {
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

  /**
   * The bytes before the offset `end` finds in what has arrived (-1 while incomplete), taken off;
   * throws when the server closes the connection first.
   */
  async take(end: (buffered: Buffer) => number): Promise<Buffer> {
    for (;;) {
      const found = end(this.buffer);
      if (found >= 0) {
        const out = this.buffer.subarray(0, found);
        this.buffer = this.buffer.subarray(found);
        return out;
      }
      if (this.closed) throw new Error(`connection closed; unread: ${this.buffer.toString('latin1')}`);
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  /** Resolves once the server has closed the connection. */
  async whenClosed(): Promise<void> {
    while (!this.closed) await new Promise<void>((resolve) => (this.waiter = resolve));
  }

  /** Everything the server sent and no test took yet, once it has closed the connection. */
  async rest(): Promise<Buffer> {
    await this.whenClosed();
    const out = this.buffer;
    this.buffer = Buffer.alloc(0);
    return out;
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }
}

/** The offset just past the first CRLF, or -1. */
export function afterFirstLine(buffered: Buffer): number {
  const end = buffered.indexOf('\r\n');
  return end < 0 ? -1 : end + 2;
}

/** A connected socket to 127.0.0.1:port. */
export async function connectRaw(port: number): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return socket;
}

/** The offset just past the line that starts with `tag ` (an IMAP tagged completion), or -1. */
export function afterTagged(buffered: Buffer, tag: string): number {
  for (let line = 0; line < buffered.length;) {
    const end = buffered.indexOf('\r\n', line);
    if (end < 0) return -1;
    if (buffered.toString('latin1', line, line + tag.length + 1) === `${tag} `) return end + 2;
    line = end + 2;
  }
  return -1;
}
