/**
 * Lines as every hand-written protocol reads them: LF-terminated (a CR before the LF is the
 * protocol's to strip), under a byte limit that counts the line ending and may change from one line
 * to the next (a login line, a command, an upload), without I/O.
 */
const LF = 0x0a;
/** How much of the end of a skipped over-long line is kept: enough for IMAP's `{4294967295+}\r\n`. */
const LONG_LINE_TAIL_BYTES = 32;

export type LineEvent =
  /** A complete line: its bytes including the LF. */
  | { readonly kind: 'line'; readonly raw: Buffer }
  /**
   * The line exceeded the limit; the splitter skips the rest of that line by itself. `head` is its
   * start (at most the limit), so that a protocol can still answer with the line's tag.
   */
  | { readonly kind: 'too-long'; readonly head: Buffer };

/**
 * Cuts a byte stream into LF-terminated lines under a byte limit, without I/O. Lines are pulled one
 * at a time so that a caller who switches mode (command → upload, or leaves after the upload's `.`)
 * can take back the bytes it has not consumed yet with takeBuffered(), or a counted number of them
 * with take() (an IMAP literal).
 */
export class LineSplitter {
  private buffer: Buffer = Buffer.alloc(0);
  private offset = 0;
  /** Inside an over-long line: drop bytes until its LF. */
  private skipping = false;
  /** The last bytes of the over-long line being skipped (or just skipped), for skipRest(). */
  private longLineTail: Buffer = Buffer.alloc(0);

  feed(chunk: Buffer): void {
    this.buffer =
      this.offset === this.buffer.length ? chunk : Buffer.concat([this.buffer.subarray(this.offset), chunk]);
    this.offset = 0;
  }

  /** How many received bytes wait to be returned. */
  get buffered(): number {
    return this.buffer.length - this.offset;
  }

  /** The next line, a too-long verdict, or undefined when more bytes are needed. */
  next(maxBytes: number): LineEvent | undefined {
    if (this.skipping && !this.skip()) return undefined;
    const end = this.buffer.indexOf(LF, this.offset);
    if (end < 0) {
      // Even if the LF came next, the line would be longer than allowed: say so now instead of
      // buffering an unbounded line.
      if (this.buffer.length - this.offset >= maxBytes) {
        const head = this.buffer.subarray(this.offset, this.offset + maxBytes);
        this.longLineTail = Buffer.alloc(0);
        this.keepTail(this.buffer.subarray(this.offset));
        this.offset = this.buffer.length;
        this.skipping = true;
        return { kind: 'too-long', head };
      }
      return undefined;
    }
    const raw = this.buffer.subarray(this.offset, end + 1);
    this.offset = end + 1;
    if (raw.length <= maxBytes) return { kind: 'line', raw };
    this.longLineTail = Buffer.from(raw.subarray(-LONG_LINE_TAIL_BYTES));
    return { kind: 'too-long', head: raw.subarray(0, maxBytes) };
  }

  /**
   * After a too-long verdict: skips to the end of that line and returns its last bytes (LF
   * included, at most 32), or undefined while its LF has not arrived. A protocol whose lines may
   * announce what follows them (IMAP's `{n+}` literal) looks there before reading on.
   */
  skipRest(): Buffer | undefined {
    return this.skipping && !this.skip() ? undefined : this.longLineTail;
  }

  /**
   * Up to `maxBytes` of the bytes not yet returned as lines, or undefined when none are buffered:
   * counted data (a literal) that must not be cut at LFs. Line reading resumes after them.
   */
  take(maxBytes: number): Buffer | undefined {
    if (this.offset === this.buffer.length || maxBytes <= 0) return undefined;
    const end = Math.min(this.buffer.length, this.offset + maxBytes);
    const bytes = this.buffer.subarray(this.offset, end);
    this.offset = end;
    return bytes;
  }

  /** Hands back (and forgets) the bytes not yet returned as lines. */
  takeBuffered(): Buffer {
    const rest = this.buffer.subarray(this.offset);
    this.buffer = Buffer.alloc(0);
    this.offset = 0;
    return rest;
  }

  /** Drops the rest of an over-long line; true once its LF has been consumed. */
  private skip(): boolean {
    const end = this.buffer.indexOf(LF, this.offset);
    const dropped = this.buffer.subarray(this.offset, end < 0 ? this.buffer.length : end + 1);
    this.keepTail(dropped);
    this.offset += dropped.length;
    this.skipping = end < 0;
    return !this.skipping;
  }

  /** Keeps the last bytes of an over-long line across chunks, copied so the chunk can be freed. */
  private keepTail(bytes: Buffer): void {
    const recent = bytes.subarray(-LONG_LINE_TAIL_BYTES);
    this.longLineTail = Buffer.concat([this.longLineTail, recent]).subarray(-LONG_LINE_TAIL_BYTES);
  }
}
