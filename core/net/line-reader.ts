import type { Duplex } from 'node:stream';
import { LineSplitter, type LineEvent } from './line-splitter.js';

/**
 * Pulls lines from a connection's current stream (the socket, later its TLS layer) one at a time.
 * The stream is paused while complete lines wait, so a pipelining client gets at most one chunk
 * ahead of the command being run, and an over-long line is never held (the splitter reports it
 * and skips the rest). Counted data between lines (an IMAP literal) is handed over in chunks by
 * bytes(), under the same pause: a 50 MB literal is never in memory at once.
 */
export class LineReader {
  private readonly splitter = new LineSplitter();
  private stream: Duplex | undefined;
  private ended = false;
  private wake: (() => void) | undefined;

  private readonly onData = (chunk: Buffer): void => {
    this.splitter.feed(chunk);
    this.stream?.pause();
    this.notify();
  };

  private readonly onEnd = (): void => {
    this.ended = true;
    this.notify();
  };

  /** Reads `stream` from now on. */
  attach(stream: Duplex): this {
    this.stream = stream;
    this.ended = false;
    stream.on('data', this.onData).on('end', this.onEnd).on('close', this.onEnd).on('error', this.onEnd);
    stream.pause();
    return this;
  }

  /**
   * Stops reading the stream (before a TLS upgrade). What was sent but not read is dropped: a
   * client must not pipeline past STARTTLS (RFC 3207 §4.2, RFC 2595 §4), and XMail resets its buffer.
   */
  detach(): void {
    const stream = this.stream;
    if (!stream) return;
    stream.off('data', this.onData).off('end', this.onEnd).off('close', this.onEnd).off('error', this.onEnd);
    this.stream = undefined;
    this.splitter.takeBuffered();
  }

  /** Received bytes not handed out yet: at most about one chunk of the stream. */
  get buffered(): number {
    return this.splitter.buffered;
  }

  /** The next line (with its line ending) or a too-long verdict under `maxBytes`; null once the peer is gone. */
  async next(maxBytes: number): Promise<LineEvent | null> {
    for (;;) {
      const event = this.splitter.next(maxBytes);
      if (event) return event;
      if (!(await this.more())) return null;
    }
  }

  /**
   * After a too-long verdict: waits for the end of that line and returns its last bytes (see
   * LineSplitter.skipRest), or null if the peer left first.
   */
  async skipRest(): Promise<Buffer | null> {
    for (;;) {
      const tail = this.splitter.skipRest();
      if (tail) return tail;
      if (!(await this.more())) return null;
    }
  }

  /**
   * The next exactly `size` bytes, in chunks as they arrive (first what is already buffered).
   * The stream stays paused while the caller works on a chunk, so a slow consumer holds back the
   * peer instead of filling memory. Chunks are views of the received buffers, valid until the
   * caller pulls again: copy what you keep. Line reading resumes after the last byte. Stopping
   * early leaves the rest to be read as lines; a peer gone before the end throws TruncatedReadError.
   */
  async *bytes(size: number): AsyncGenerator<Buffer, void, undefined> {
    let remaining = size;
    while (remaining > 0) {
      const chunk = this.splitter.take(remaining);
      if (chunk) {
        remaining -= chunk.length;
        yield chunk;
      } else if (!(await this.more())) {
        throw new TruncatedReadError(size, size - remaining);
      }
    }
  }

  /** Lets one more chunk in; false when none will come (peer gone or stream detached). */
  private async more(): Promise<boolean> {
    if (this.ended || !this.stream) return false;
    const waiting = new Promise<void>((resolve) => (this.wake = resolve));
    this.stream.resume();
    await waiting;
    return true;
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

/** The peer left (or the stream was detached) before the counted bytes bytes() was reading arrived. */
export class TruncatedReadError extends Error {
  constructor(
    readonly expected: number,
    readonly received: number,
  ) {
    super(`connection ended after ${received} of ${expected} bytes`);
    this.name = 'TruncatedReadError';
  }
}
