/**
 * Lines as every hand-written protocol reads them: LF-terminated (a CR before the LF is the
 * protocol's to strip), under a byte limit that counts the line ending and may change from one line
 * to the next (a login line, a command, an upload), without I/O.
 */
const LF = 0x0a;

export type LineEvent =
  /** A complete line: its bytes including the LF. */
  | { readonly kind: 'line'; readonly raw: Buffer }
  /** The line exceeded the limit; the splitter skips the rest of that line by itself. */
  | { readonly kind: 'too-long' };

/**
 * Cuts a byte stream into LF-terminated lines under a byte limit, without I/O. Lines are pulled one
 * at a time so that a caller who switches mode (command → upload, or leaves after the upload's `.`)
 * can take back the bytes it has not consumed yet with takeBuffered().
 */
export class LineSplitter {
  private buffer: Buffer = Buffer.alloc(0);
  private offset = 0;
  /** Inside an over-long line: drop bytes until its LF. */
  private skipping = false;

  feed(chunk: Buffer): void {
    this.buffer =
      this.offset === this.buffer.length ? chunk : Buffer.concat([this.buffer.subarray(this.offset), chunk]);
    this.offset = 0;
  }

  /** The next line, a too-long verdict, or undefined when more bytes are needed. */
  next(maxBytes: number): LineEvent | undefined {
    if (this.skipping) {
      const end = this.buffer.indexOf(LF, this.offset);
      if (end < 0) {
        this.offset = this.buffer.length;
        return undefined;
      }
      this.offset = end + 1;
      this.skipping = false;
    }
    const end = this.buffer.indexOf(LF, this.offset);
    if (end < 0) {
      // Even if the LF came next, the line would be longer than allowed: say so now instead of
      // buffering an unbounded line.
      if (this.buffer.length - this.offset >= maxBytes) {
        this.offset = this.buffer.length;
        this.skipping = true;
        return { kind: 'too-long' };
      }
      return undefined;
    }
    const raw = this.buffer.subarray(this.offset, end + 1);
    this.offset = end + 1;
    return raw.length > maxBytes ? { kind: 'too-long' } : { kind: 'line', raw };
  }

  /** Hands back (and forgets) the bytes not yet returned as lines. */
  takeBuffered(): Buffer {
    const rest = this.buffer.subarray(this.offset);
    this.buffer = Buffer.alloc(0);
    this.offset = 0;
    return rest;
  }
}
