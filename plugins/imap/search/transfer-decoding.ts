/**
 * Content-Transfer-Encoding (RFC 2045 §6) undone piece by piece, for text read from the blob store
 * in chunks: each decoder keeps only the few bytes a chunk may end in the middle of.
 */

export interface PieceDecoder {
  /** The decoded bytes of this piece (some may wait for the next). */
  write(piece: Buffer): Buffer;
  /** What is left at the end. */
  end(): Buffer;
}

/** The decoder for a part's encoding (7bit, 8bit, binary and unknown ones pass bytes through). */
export function transferDecoder(encoding: string | undefined): PieceDecoder {
  switch (encoding?.toLowerCase()) {
    case 'base64':
      return new Base64Decoder();
    case 'quoted-printable':
      return new QuotedPrintableDecoder();
    default:
      return { write: (piece) => piece, end: () => Buffer.alloc(0) };
  }
}

const BASE64_CHAR = /[A-Za-z0-9+/]/;

/** Base64, ignoring everything outside the alphabet (line breaks, garbage) and stopping at `=`. */
class Base64Decoder implements PieceDecoder {
  private carry = '';
  private finished = false;

  write(piece: Buffer): Buffer {
    if (this.finished) return Buffer.alloc(0);
    let text = this.carry;
    for (const char of piece.toString('latin1')) {
      if (char === '=') {
        this.finished = true;
        break;
      }
      if (BASE64_CHAR.test(char)) text += char;
    }
    const whole = this.finished ? text.length : text.length - (text.length % 4);
    this.carry = text.slice(whole);
    return Buffer.from(text.slice(0, whole), 'base64');
  }

  end(): Buffer {
    const rest = this.carry;
    this.carry = '';
    return Buffer.from(rest, 'base64');
  }
}

const EQUALS = 0x3d;
const CR = 0x0d;
const LF = 0x0a;

/** Quoted-printable: `=XX` octets, `=` line ends (soft breaks) removed, a lone `=` kept as is. */
class QuotedPrintableDecoder implements PieceDecoder {
  private carry = Buffer.alloc(0);

  write(piece: Buffer): Buffer {
    const input = this.carry.length > 0 ? Buffer.concat([this.carry, piece]) : piece;
    const out = Buffer.alloc(input.length);
    let length = 0;
    let at = 0;
    while (at < input.length) {
      const byte = input[at];
      if (byte !== EQUALS) {
        out[length++] = byte;
        at++;
        continue;
      }
      // `=` needs up to two more bytes to be understood: wait for them.
      if (at + 2 >= input.length && !(at + 1 < input.length && input[at + 1] === LF)) break;
      const next = input[at + 1];
      if (next === LF) {
        at += 2;
      } else if (next === CR && input[at + 2] === LF) {
        at += 3;
      } else if (isHex(next) && isHex(input[at + 2])) {
        out[length++] = parseInt(String.fromCharCode(next, input[at + 2]), 16);
        at += 3;
      } else {
        out[length++] = byte;
        at++;
      }
    }
    this.carry = Buffer.from(input.subarray(at));
    return out.subarray(0, length);
  }

  end(): Buffer {
    const rest = this.carry;
    this.carry = Buffer.alloc(0);
    return rest;
  }
}

function isHex(byte: number | undefined): boolean {
  return (
    byte !== undefined &&
    ((byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66))
  );
}
