/**
 * Protocol-neutral input generators. Everything is built as a "byte string" (one char per octet,
 * latin1) so that 8-bit bytes, NULs and UTF-8 sequences sit side by side with command text; the
 * grammars (grammars/*.ts) assemble commands from these parts, and `frame` turns lines into bytes.
 */
import type { Rng } from './prng.js';

/** The UTF-8 octets of `text` as a byte string. */
export function utf8(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

const UNICODE = ['ü', 'ß', '日本語', '😀', '\u202eevil', 'e\u0301', '\ufeff', '\u0000', 'Ω'.repeat(40)].map(
  utf8,
);

const NUMBERS = [
  '0',
  '-1',
  '1',
  '00001',
  '4294967296',
  '99999999999999999999999',
  '1e309',
  'NaN',
  '0x10',
  '+5',
];

/** Random octets, sometimes only printable ones, sometimes dense with line breaks. */
export function randomBytes(rng: Rng, maxLength = 4096): string {
  const length = rng.size(0, maxLength);
  const flavour = rng.pick(['binary', 'printable', 'lines'] as const);
  let out = '';
  for (let i = 0; i < length; i++) {
    if (flavour === 'binary') out += String.fromCharCode(rng.int(0, 255));
    else if (flavour === 'lines' && rng.chance(0.1)) out += rng.pick(['\r\n', '\n', '\r', '\0']);
    else out += String.fromCharCode(rng.int(0x20, 0x7e));
  }
  return out;
}

/** Printable ASCII of length 1..max, no spaces. */
export function word(rng: Rng, max = 12): string {
  let out = '';
  const length = rng.int(1, max);
  for (let i = 0; i < length; i++) out += String.fromCharCode(rng.int(0x21, 0x7e));
  return out;
}

/** A number-ish argument: usually small and valid, sometimes at or past every limit. */
export function number(rng: Rng, typicalMax = 10): string {
  return rng.chance(0.7) ? String(rng.int(0, typicalMax)) : rng.pick(NUMBERS);
}

/**
 * A command argument: usually `token` itself, sometimes one of the shapes hand-written parsers
 * trip over: empty, huge, NUL, 8-bit, unicode, stray spaces or tabs, a number at a limit.
 */
export function mutate(rng: Rng, token: string, longLength = 5000): string {
  if (!rng.chance(0.2)) return token;
  switch (rng.int(0, 8)) {
    case 0:
      return '';
    case 1:
      return token + 'x'.repeat(rng.size(longLength / 10, longLength));
    case 2:
      return insert(rng, token, '\0');
    case 3:
      return insert(rng, token, String.fromCharCode(rng.int(0x80, 0xff)));
    case 4:
      return insert(rng, token, rng.pick(UNICODE));
    case 5:
      return insert(rng, token, rng.pick([' ', '  ', '\t', ' \t ']));
    case 6:
      return rng.pick(NUMBERS);
    case 7:
      return token.toLowerCase() === token ? token.toUpperCase() : token.toLowerCase();
    default:
      return randomBytes(rng, 64);
  }
}

function insert(rng: Rng, text: string, piece: string): string {
  const at = rng.int(0, text.length);
  return text.slice(0, at) + piece + text.slice(at);
}

/** Mostly CRLF; sometimes what broken clients send instead. */
export function lineEnding(rng: Rng): string {
  return rng.weighted([
    [85, '\r\n'],
    [5, '\n'],
    [3, '\r'],
    [2, '\r\r\n'],
    [2, '\n\r'],
    [2, '\0\r\n'],
    [1, ''],
  ]);
}

/**
 * Lines into one input: each with its (possibly odd) line ending; sometimes a line is repeated as
 * a pipelined burst, or made longer than `maxLine` (the listener's limit) to test the cut-off.
 */
export function frame(rng: Rng, lines: readonly string[], maxLine: number): string {
  let out = '';
  for (const line of lines) {
    let text = line;
    if (rng.chance(0.03)) text += 'A'.repeat(maxLine + rng.size(1, maxLine * 4));
    const framed = text + lineEnding(rng);
    out += rng.chance(0.03) ? framed.repeat(rng.int(2, 200)) : framed;
  }
  return out;
}
