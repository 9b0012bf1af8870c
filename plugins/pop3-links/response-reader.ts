import type { Readable } from 'node:stream';

/** A server reply line longer than this is a protocol error (RFC 2449 caps them at 512 octets). */
const MAX_LINE = 4096;
const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;

export class Pop3ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Pop3ProtocolError';
  }
}

/**
 * Reads a POP3 server's replies from a stream in paused mode, so that a message being retrieved
 * is pulled only as fast as the consumer (the spool) takes it: status lines, and multi-line
 * bodies un-stuffed on the fly, with no bound on the length of a body line and never more than
 * one socket chunk held at a time.
 */
export class ResponseReader {
  private pending: Buffer = Buffer.alloc(0);
  private failure: Error | undefined;
  private ended = false;
  private wake: (() => void) | undefined;
  private readonly onReadable = (): void => this.notify();
  private readonly onEnd = (): void => {
    this.ended = true;
    this.notify();
  };
  private readonly onError = (err: Error): void => {
    this.failure = err;
    this.notify();
  };

  constructor(
    private readonly stream: Readable,
    private readonly timeoutMs: number,
  ) {
    stream
      .on('readable', this.onReadable)
      .on('end', this.onEnd)
      .on('close', this.onEnd)
      .on('error', this.onError);
  }

  /** Stops reading this stream (before STLS hands the socket to TLS); unread bytes are an error. */
  detach(): void {
    if (this.pending.length > 0) throw new Pop3ProtocolError('the server sent data before the TLS handshake');
    this.stream
      .off('readable', this.onReadable)
      .off('end', this.onEnd)
      .off('close', this.onEnd)
      .off('error', this.onError);
  }

  /** One reply line without its line end. */
  async line(): Promise<string> {
    for (;;) {
      const lf = this.pending.indexOf(LF);
      if (lf >= 0) {
        const line = this.pending.subarray(0, lf > 0 && this.pending[lf - 1] === CR ? lf - 1 : lf);
        this.pending = this.pending.subarray(lf + 1);
        return line.toString('latin1');
      }
      if (this.pending.length > MAX_LINE)
        throw new Pop3ProtocolError('the server sent an over-long reply line');
      await this.fill();
    }
  }

  /**
   * The rest of a multi-line reply: its bytes as sent (line ends included), with the stuffed dot of
   * lines beginning with "." removed, up to (not including) the terminating ".CRLF".
   */
  async *multiline(): AsyncGenerator<Buffer> {
    let atLineStart = true;
    for (;;) {
      const out: Buffer[] = [];
      let pos = 0;
      const data = this.pending;
      while (pos < data.length) {
        if (atLineStart) {
          if (data[pos] !== DOT) {
            atLineStart = false;
            continue;
          }
          // A dot at line start: the terminator (".CRLF", leniently ".LF") or a stuffed dot.
          const next = data[pos + 1];
          if (next === undefined || (next === CR && data[pos + 2] === undefined)) break;
          if (next === LF || (next === CR && data[pos + 2] === LF)) {
            if (out.length > 0) yield Buffer.concat(out);
            this.pending = data.subarray(pos + (next === LF ? 2 : 3));
            return;
          }
          pos += 1;
          atLineStart = false;
          continue;
        }
        const lf = data.indexOf(LF, pos);
        const end = lf < 0 ? data.length : lf + 1;
        out.push(data.subarray(pos, end));
        pos = end;
        atLineStart = lf >= 0;
      }
      this.pending = data.subarray(pos);
      if (out.length > 0) yield Buffer.concat(out);
      await this.fill();
    }
  }

  /** Appends the next chunk of the stream to `pending`; fails on end, error or timeout. */
  private async fill(): Promise<void> {
    for (;;) {
      if (this.failure) throw this.failure;
      const chunk = this.stream.read() as Buffer | null;
      if (chunk !== null) {
        this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
        return;
      }
      if (this.ended) throw new Pop3ProtocolError('the server closed the connection');
      await this.waitForData();
    }
  }

  private waitForData(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        reject(new Pop3ProtocolError(`no answer from the server within ${this.timeoutMs / 1000} s`));
      }, this.timeoutMs);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  private notify(): void {
    this.wake?.();
  }
}
