import type { Duplex } from 'node:stream';

/** One command line without its CRLF, or the marker for a line longer than the limit. */
export type Line = { text: string } | { tooLong: true };

/** Lines queued before the socket is paused: a pipelining client cannot make us buffer more. */
const MAX_QUEUED_LINES = 64;

/**
 * Splits what a client sends into lines (LF or CRLF terminated) with a length limit. An over-long
 * line is discarded up to its end as it arrives, so it never sits in memory, and reported once.
 * `next()` resolves null when the connection has ended.
 */
export class LineReader {
  private pending: Buffer = Buffer.alloc(0);
  private readonly lines: Line[] = [];
  private discarding = false;
  private ended = false;
  private waiter: ((line: Line | null) => void) | undefined;
  private readonly onData = (chunk: Buffer): void => this.push(chunk);
  private readonly onEnd = (): void => this.finish();

  /** @param maxLength octets of a line including its CRLF */
  constructor(
    private readonly socket: Duplex,
    private readonly maxLength: number,
  ) {
    socket.on('data', this.onData);
    socket.once('end', this.onEnd);
    socket.once('close', this.onEnd);
  }

  next(): Promise<Line | null> {
    const line = this.lines.shift();
    if (line) {
      if (this.lines.length < MAX_QUEUED_LINES) this.socket.resume();
      return Promise.resolve(line);
    }
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  /**
   * Stops reading from the socket and drops whatever was buffered (STLS: RFC 2595 §4 says a client
   * must not pipeline past it, so anything already sent in clear text is not trusted).
   */
  detach(): void {
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onEnd);
    this.pending = Buffer.alloc(0);
    this.lines.length = 0;
  }

  private push(chunk: Buffer): void {
    let data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    for (let lf = data.indexOf(0x0a); lf >= 0; lf = data.indexOf(0x0a)) {
      if (this.discarding) this.discarding = false;
      else if (lf + 1 + (data[lf - 1] === 0x0d ? 0 : 1) > this.maxLength) this.deliver({ tooLong: true });
      else this.deliver({ text: data.subarray(0, data[lf - 1] === 0x0d ? lf - 1 : lf).toString('utf8') });
      data = data.subarray(lf + 1);
    }
    if (data.length >= this.maxLength) {
      // No end of line in sight: report once, then drop bytes until the line ends.
      if (!this.discarding) this.deliver({ tooLong: true });
      this.discarding = true;
      data = Buffer.alloc(0);
    }
    this.pending = Buffer.from(data);
    if (this.lines.length >= MAX_QUEUED_LINES) this.socket.pause();
  }

  private deliver(line: Line): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    if (waiter) waiter(line);
    else this.lines.push(line);
  }

  private finish(): void {
    this.ended = true;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.(null);
  }
}
