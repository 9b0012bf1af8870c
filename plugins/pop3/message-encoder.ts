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

  /** The wire octets for the next chunk of the stored message. */
  encode(chunk: Buffer): Buffer {
    if (this.complete) return EMPTY;
    const out: Buffer[] = [];
    let copied = 0; // chunk[copied, i) still has to go out as it is
    let end = chunk.length;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i];
      if (this.atLineStart && byte === DOT) {
        out.push(chunk.subarray(copied, i), STUFFED_DOT);
        copied = i;
      }
      if (byte === LF) {
        if (!this.previousCr) {
          out.push(chunk.subarray(copied, i), CR_ONLY);
          copied = i;
          this.octets += 1;
        }
        this.previousCr = false;
        this.endLine();
        if (this.complete) {
          end = i + 1;
          break;
        }
        continue;
      }
      this.atLineStart = false;
      if (byte !== CR) this.lineEmpty = false;
      this.previousCr = byte === CR;
    }
    out.push(chunk.subarray(copied, end));
    this.octets += end;
    return Buffer.concat(out);
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
  for await (const chunk of source) {
    const bytes = encoder.encode(chunk as Buffer);
    if (bytes.length > 0 && !out.write(bytes)) await drained(out);
    if (encoder.complete) break;
  }
  out.write(Buffer.concat([encoder.finish(), TERMINATOR]));
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
