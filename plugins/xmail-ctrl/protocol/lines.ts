/**
 * Line framing of the CTRL session (spec §1 "Max line", "Line endings"; decisions 3, 6 and 11).
 *
 * XMail reads lines with `BSckGetString(buffer, sizeof(buffer) - 1)`. Observed on the wire
 * (decision 11): with the 4096-byte command buffer a line may hold at most 4094 bytes INCLUDING its
 * line ending (`4092 chars + CRLF` passes, `4093 + CRLF` closes the session; with a bare LF 4093
 * chars pass). The same arithmetic gives 254 bytes for the login line (256-byte buffer) and 2046 for
 * upload lines (2048-byte buffer of MscRecvTextFile).
 */

export const CTRL_MAX_LINE_BYTES = 4094;
export const CTRL_MAX_LOGIN_LINE_BYTES = 254;
export const CTRL_MAX_UPLOAD_LINE_BYTES = 2046;

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const MAX_ASCII = 127;

export type LineEvent =
  /** A complete line: its bytes including the LF. */
  | { readonly kind: 'line'; readonly raw: Buffer }
  /**
   * The line exceeded the limit. XMail then ends a command session with no reply (decision 6); an
   * upload is answered -00103 (decision 3). The splitter skips the rest of that line by itself.
   */
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
  next(maxBytes: number = CTRL_MAX_LINE_BYTES): LineEvent | undefined {
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

/**
 * The C string XMail works on for one received line: LF and then every trailing CR removed
 * (BSckGetString), and cut at the first NUL byte, since everything after it is invisible to C.
 */
export function lineContent(raw: Buffer): Buffer {
  let end = raw.length;
  if (end > 0 && raw[end - 1] === LF) end--;
  while (end > 0 && raw[end - 1] === CR) end--;
  const nul = raw.indexOf(NUL);
  return raw.subarray(0, nul >= 0 && nul < end ? nul : end);
}

export type CommandLineVerdict =
  | { readonly kind: 'line'; readonly text: string }
  /** Close the session with no reply (§1, decision 6: MscCmdStringCheck). */
  | { readonly kind: 'close'; readonly reason: 'non-ascii' };

/**
 * Decision 6 / §1: a command or login line containing any byte > 127 closes the session silently.
 * Otherwise the line's text, ready for tokenizeTabLine.
 */
export function classifyCommandLine(raw: Buffer): CommandLineVerdict {
  const content = lineContent(raw);
  if (content.some((byte) => byte > MAX_ASCII)) return { kind: 'close', reason: 'non-ascii' };
  return { kind: 'line', text: content.toString('latin1') };
}
