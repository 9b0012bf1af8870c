import type { Duplex } from 'node:stream';
import { LineSplitter, type LineEvent } from './protocol/index.js';

/**
 * Pulls lines from the session's current stream (the socket, later its TLS wrapper) one at a time.
 * The stream is paused while complete lines wait, so a pipelining client can buffer at most one
 * chunk ahead of the command being run.
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

  attach(stream: Duplex): void {
    this.stream = stream;
    this.ended = false;
    stream.on('data', this.onData).on('end', this.onEnd).on('close', this.onEnd).on('error', this.onEnd);
    stream.pause();
  }

  /** Stops reading `stream` (before a TLS upgrade); unread bytes are dropped, as XMail's reset buffer does. */
  detach(): void {
    const stream = this.stream;
    if (!stream) return;
    stream.off('data', this.onData).off('end', this.onEnd).off('close', this.onEnd).off('error', this.onEnd);
    this.stream = undefined;
    this.splitter.takeBuffered();
  }

  /** The next line or too-long verdict under `maxBytes`; null once the peer is gone. */
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
