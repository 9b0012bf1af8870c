/**
 * Mailbox names on the wire: modified UTF-7 (RFC 3501 §5.1.3), as long as UTF8=ACCEPT is not
 * enabled. Printable US-ASCII stands for itself, except `&`, written `&-`; any run of other
 * characters is written `&` + its UTF-16 in base64 (with `,` for `/`, no padding) + `-`.
 *
 * Decoding is strict, so that one mailbox has one wire name: 8-bit or control characters, an
 * unterminated shift, bad base64, a partial UTF-16 unit, nonzero padding bits, printable ASCII
 * encoded, two adjacent shifts, or an unpaired surrogate are refused with an ImapParseError
 * (without a tag: the command module adds its own with withTag()).
 */
import { quoteForText } from './arguments.js';
import { ImapParseError } from './errors.js';

const AMPERSAND = 0x26;
const MODIFIED_BASE64 = /^[A-Za-z0-9+,]+$/;

export function encodeMailboxName(name: string): string {
  let out = '';
  let run: number[] = [];
  const flush = (): void => {
    if (run.length === 0) return;
    const bytes = Buffer.alloc(run.length * 2);
    run.forEach((unit, index) => bytes.writeUInt16BE(unit, index * 2));
    out += '&' + bytes.toString('base64').replace(/=+$/, '').replace(/\//g, ',') + '-';
    run = [];
  };
  for (let index = 0; index < name.length; index++) {
    const unit = name.charCodeAt(index);
    if (unit >= 0x20 && unit <= 0x7e) {
      flush();
      out += unit === AMPERSAND ? '&-' : name[index];
    } else {
      run.push(unit);
    }
  }
  flush();
  return out;
}

/** The mailbox name `encoded` stands for, or an ImapParseError saying why it is not valid. */
export function decodeMailboxName(encoded: string): string {
  let out = '';
  for (let index = 0; index < encoded.length; index++) {
    const unit = encoded.charCodeAt(index);
    if (unit < 0x20 || unit > 0x7e) {
      throw invalid(encoded, `character 0x${unit.toString(16).padStart(2, '0')} must be encoded`);
    }
    if (unit !== AMPERSAND) {
      out += encoded[index];
      continue;
    }
    const end = encoded.indexOf('-', index + 1);
    if (end < 0) throw invalid(encoded, '"&" starts an encoded run that never ends (a plain "&" is "&-")');
    out += decodeRun(encoded, encoded.slice(index + 1, end));
    index = end;
  }
  if (hasUnpairedSurrogate(out)) throw invalid(encoded, 'unpaired UTF-16 surrogate');
  // Whatever else is off (padding bits, adjacent runs) makes the name differ from its one encoding.
  if (encodeMailboxName(out) !== encoded) throw invalid(encoded, 'not in canonical modified UTF-7 form');
  return out;
}

/** The characters of one `&...-` run (without the `&` and `-`). */
function decodeRun(encoded: string, base64: string): string {
  if (base64 === '') return '&';
  if (!MODIFIED_BASE64.test(base64)) throw invalid(encoded, `bad modified BASE64 "&${base64}-"`);
  const bytes = Buffer.from(base64.replace(/,/g, '/'), 'base64');
  if (bytes.length % 2 !== 0) throw invalid(encoded, `"&${base64}-" ends inside a UTF-16 character`);
  let text = '';
  for (let at = 0; at < bytes.length; at += 2) {
    const unit = bytes.readUInt16BE(at);
    if (unit >= 0x20 && unit <= 0x7e) {
      throw invalid(encoded, `"&${base64}-" encodes printable ASCII, which must be written as itself`);
    }
    text += String.fromCharCode(unit);
  }
  return text;
}

function hasUnpairedSurrogate(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    if (unit >= 0xdc00 && unit <= 0xdfff) return true;
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(index + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return true;
      index++;
    }
  }
  return false;
}

function invalid(encoded: string, reason: string): ImapParseError {
  return new ImapParseError(undefined, `Invalid mailbox name ${quoteForText(encoded)}: ${reason}`);
}
