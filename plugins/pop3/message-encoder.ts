import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
const CR_ONLY = Buffer.from('\r');
const LF_ONLY = Buffer.from('\n');
const CRLF = Buffer.from('\r\n');
const STUFFED_DOT = Buffer.from('.');
const TERMINATOR = Buffer.from('.\r\n');
const EMPTY = Buffer.alloc(0);

/**
 * Turns a stored message into the octets of a POP3 multi-line response, chunk by chunk: bare LFs
 * become CRLF, a missing final CRLF is added, and lines starting with "." get one more (RFC 1939
 * §3 byte-stuffing). `octets` counts what the client keeps after un-stuffing, which is the size
 * LIST and STAT report, so sizes and bodies follow the same rules.
 *
 * With `bodyLines` (TOP) it stops after the header, the blank line and that many body lines, and
 * sets `complete` so the caller stops reading the source.
 */
export class MessageEncoder {
  octets = 0;
  complete = false;
  private atLineStart = true;
  private lineEmpty = true;
  private previousCr = false;
  private inHeader = true;
  private bodyLinesLeft: number;

  constructor(bodyLines = Infinity) {
    this.bodyLinesLeft = bodyLines;
  }

  /**
   * The wire octets for the next chunk of the stored message. It jumps from line end to line end
   * with indexOf (native), so the bytes of a line are never visited one by one in JS.
   */
  encode(chunk: Buffer): Buffer {
    if (this.complete) return EMPTY;
    const out: Buffer[] = [];
    let copied = 0; // chunk[copied, i) still has to go out as it is
    let end = chunk.length;
    for (let i = 0; i < chunk.length;) {
      if (this.atLineStart && chunk[i] === DOT) {
        out.push(chunk.subarray(copied, i), STUFFED_DOT);
        copied = i;
      }
      const lf = chunk.indexOf(LF, i);
      if (lf < 0) {
        this.continueLine(chunk, i, chunk.length);
        break;
      }
      this.continueLine(chunk, i, lf);
      if (!this.previousCr) {
        out.push(chunk.subarray(copied, lf), CR_ONLY);
        copied = lf;
        this.octets += 1;
      }
      this.previousCr = false;
      this.endLine();
      i = lf + 1;
      if (this.complete) {
        end = i;
        break;
      }
    }
    if (copied === 0 && end === chunk.length && out.length === 0) {
      this.octets += end;
      return chunk;
    }
    out.push(chunk.subarray(copied, end));
    this.octets += end;
    return Buffer.concat(out);
  }

  /** Takes in chunk[from, to), a part of the current line without its LF. */
  private continueLine(chunk: Buffer, from: number, to: number): void {
    if (to === from) return;
    this.atLineStart = false;
    this.previousCr = chunk[to - 1] === CR;
    // Only the header needs to know whether a line is empty (nothing but CRs).
    if (this.lineEmpty && this.inHeader) {
      for (let j = from; j < to; j++) {
        if (chunk[j] !== CR) {
          this.lineEmpty = false;
          break;
        }
      }
    } else this.lineEmpty = false;
  }

  /** What ends the message: the CRLF a last line lacks. (The ".CRLF" terminator is not counted.) */
  finish(): Buffer {
    if (this.complete || this.atLineStart) return EMPTY;
    const tail = this.previousCr ? LF_ONLY : CRLF;
    this.octets += tail.length;
    this.atLineStart = true;
    return tail;
  }

  private endLine(): void {
    this.atLineStart = true;
    if (this.inHeader) {
      if (this.lineEmpty) {
        this.inHeader = false;
        if (this.bodyLinesLeft <= 0) this.complete = true;
      }
    } else if (--this.bodyLinesLeft <= 0) this.complete = true;
    this.lineEmpty = true;
  }
}

/**
 * Streams the message and the ".CRLF" terminator to the client, waiting for the socket to drain
 * so a large message never piles up in memory. Leaving the loop early (TOP) destroys the source,
 * so the rest of the body is never read.
 */
export async function streamMessage(source: Readable, out: Writable, encoder: MessageEncoder): Promise<void> {
  // Each chunk goes out when the next one is in, so the last one leaves with the terminator in
  // one write (a small message: one write for the whole body).
  let held: Buffer = EMPTY;
  for await (const chunk of source) {
    const bytes = encoder.encode(chunk as Buffer);
    if (bytes.length === 0) continue;
    if (held.length > 0 && !out.write(held)) await drained(out);
    held = bytes;
    if (encoder.complete) break;
  }
  out.cork();
  if (held.length > 0) out.write(held);
  out.write(Buffer.concat([encoder.finish(), TERMINATOR]));
  out.uncork();
}

/** The CRLF-normalised size of a stored message: what RETR sends, un-stuffed, without the terminator. */
export async function countOctets(source: Readable): Promise<number> {
  const encoder = new MessageEncoder();
  for await (const chunk of source) encoder.encode(chunk as Buffer);
  encoder.finish();
  return encoder.octets;
}

async function drained(out: Writable): Promise<void> {
  const stop = new AbortController();
  try {
    await Promise.race([
      once(out, 'drain', { signal: stop.signal }),
      once(out, 'close', { signal: stop.signal }).then(() => {
        throw new Error('the connection closed during the transfer');
      }),
    ]);
  } finally {
    stop.abort();
  }
}
