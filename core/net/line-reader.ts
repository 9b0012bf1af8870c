import type { Duplex } from 'node:stream';
import { LineSplitter, type LineEvent } from './line-splitter.js';

/**
 * Pulls lines from a connection's current stream (the socket, later its TLS layer) one at a time.
 * The stream is paused while complete lines wait, so a pipelining client gets at most one chunk
 * ahead of the command being run, and an over-long line is never held (the splitter reports it
 * and skips the rest).
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

  /** The next line (with its line ending) or a too-long verdict under `maxBytes`; null once the peer is gone. */
  async next(maxBytes: number): Promise<LineEvent | null> {
    for (;;) {
      const event = this.splitter.next(maxBytes);
      if (event) return event;
      if (this.ended || !this.stream) return null;
      const waiting = new Promise<void>((resolve) => (this.wake = resolve));
      this.stream.resume();
      await waiting;
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
