/**
 * The server's side of the wire: responses built from values, so that command modules never
 * format IMAP by hand (RFC 3501 §7, §9 formal syntax).
 *
 * A JavaScript value says what it is: null is NIL, a number or bigint is a number, a string or
 * Buffer is an IMAP string, an array is a parenthesised list; atoms, forced literals and FETCH
 * section names are made with atom(), literal() and section(). A string goes out quoted when it
 * can (`"` and `\` escaped), and as a literal when it holds CR, LF or 8-bit bytes (8-bit UTF-8
 * may be quoted once the client enabled UTF8=ACCEPT, RFC 6855 §3). NUL fits in no string but a
 * literal8 (BINARY): literal(bytes, { binary: true }).
 *
 * Values are serialised whole into memory; streaming a large message body out is the FETCH
 * module's job (it writes the `{n}` prefix from here, then pipes the bytes).
 */
import { isUtf8 } from 'node:buffer';

/** An atom, written as is; checked to be one (a flag such as `\Seen` or `\*` included). */
export class Atom {
  constructor(readonly text: string) {
    const atomText = text.startsWith('\\') ? text.slice(1) : text;
    if (!isAtom(atomText) && text !== '\\*') throw new TypeError(`not an IMAP atom: ${text}`);
  }
}

/** A string forced into literal form (`{n}`, or `~{n}` for BINARY). */
export class Literal {
  constructor(
    readonly bytes: Buffer,
    readonly binary: boolean,
  ) {
    if (!binary && bytes.includes(0)) throw new TypeError('NUL needs a literal8 (binary)');
  }
}

/** A FETCH item name with a section and origin: `BODY[HEADER.FIELDS (DATE)]<0>`. */
export class Section {
  constructor(
    readonly name: Atom,
    readonly spec: readonly ResponseValue[],
    readonly origin: number | undefined,
  ) {}
}

export type ResponseValue =
  null | number | bigint | string | Buffer | Atom | Literal | Section | readonly ResponseValue[];

export interface SerializeOptions {
  /** UTF8=ACCEPT is enabled: UTF-8 strings may be sent quoted. */
  readonly utf8?: boolean;
}

export type ResponseStatus = 'OK' | 'NO' | 'BAD' | 'BYE' | 'PREAUTH';

/** A response code: `[TOOBIG]`, `[UIDVALIDITY 3857529045]`, `[PERMANENTFLAGS (\Seen \*)]`. */
export interface ResponseCode {
  readonly name: string;
  readonly args?: readonly ResponseValue[];
}

/** atom-specials (RFC 3501 §9) besides SP, CTL and 8-bit. */
const ATOM_SPECIALS = new Set([...'(){%*"\\]'].map((char) => char.charCodeAt(0)));
const CRLF = '\r\n';
const MAX_NUMBER64 = 2n ** 63n - 1n;

export function atom(text: string): Atom {
  return new Atom(text);
}

export function literal(bytes: Buffer | string, options: { binary?: boolean } = {}): Literal {
  return new Literal(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'utf8'), options.binary ?? false);
}

export function section(name: string, spec: readonly ResponseValue[] = [], origin?: number): Section {
  return new Section(new Atom(name), spec, origin);
}

/** One value as wire bytes. */
export function serialize(value: ResponseValue, options: SerializeOptions = {}): Buffer {
  const parts: Buffer[] = [];
  write(parts, value, options);
  return Buffer.concat(parts);
}

/** `* ` and the values separated by spaces: `untagged([3, atom('EXISTS')])` is `* 3 EXISTS\r\n`. */
export function untagged(values: readonly ResponseValue[], options: SerializeOptions = {}): Buffer {
  const parts: Buffer[] = [Buffer.from('* ')];
  writeSeparated(parts, values, options);
  parts.push(Buffer.from(CRLF));
  return Buffer.concat(parts);
}

/**
 * A status response: `A1 OK [READ-WRITE] SELECT completed`, `* BYE ...` (tag `*`). The text is
 * made safe for one line: control characters become spaces.
 */
export function statusResponse(
  tag: string,
  status: ResponseStatus,
  text: string,
  code?: ResponseCode,
  options: SerializeOptions = {},
): Buffer {
  const parts: Buffer[] = [Buffer.from(`${tag} ${status} `)];
  if (code) {
    parts.push(Buffer.from('[' + new Atom(code.name).text));
    if (code.args && code.args.length > 0) {
      parts.push(Buffer.from(' '));
      writeSeparated(parts, code.args, options);
    }
    parts.push(Buffer.from('] '));
  }
  parts.push(Buffer.from(oneLine(text, options) + CRLF, 'utf8'));
  return Buffer.concat(parts);
}

/** A continuation request: `+ text`. */
export function continuation(text: string, options: SerializeOptions = {}): Buffer {
  return Buffer.from(`+ ${oneLine(text, options)}${CRLF}`, 'utf8');
}

function write(parts: Buffer[], value: ResponseValue, options: SerializeOptions): void {
  if (value === null) {
    parts.push(Buffer.from('NIL'));
  } else if (typeof value === 'number' || typeof value === 'bigint') {
    parts.push(Buffer.from(number(value)));
  } else if (typeof value === 'string' || Buffer.isBuffer(value)) {
    writeString(parts, Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8'), options);
  } else if (value instanceof Atom) {
    parts.push(Buffer.from(value.text));
  } else if (value instanceof Literal) {
    writeLiteral(parts, value.bytes, value.binary);
  } else if (value instanceof Section) {
    parts.push(Buffer.from(value.name.text + '['));
    writeSeparated(parts, value.spec, options);
    parts.push(Buffer.from(value.origin === undefined ? ']' : `]<${number(value.origin)}>`));
  } else {
    parts.push(Buffer.from('('));
    writeSeparated(parts, value, options);
    parts.push(Buffer.from(')'));
  }
}

function writeSeparated(parts: Buffer[], values: readonly ResponseValue[], options: SerializeOptions): void {
  values.forEach((value, index) => {
    if (index > 0) parts.push(Buffer.from(' '));
    write(parts, value, options);
  });
}

/** Quoted when every byte is a QUOTED-CHAR (or UTF-8 under UTF8=ACCEPT), a literal otherwise. */
function writeString(parts: Buffer[], bytes: Buffer, options: SerializeOptions): void {
  if (canQuote(bytes, options)) {
    parts.push(Buffer.from('"'), Buffer.from(bytes.toString('latin1').replace(/["\\]/g, '\\$&'), 'latin1'));
    parts.push(Buffer.from('"'));
  } else {
    if (bytes.includes(0)) throw new TypeError('NUL needs a literal8 (binary)');
    writeLiteral(parts, bytes, false);
  }
}

function canQuote(bytes: Buffer, options: SerializeOptions): boolean {
  let eightBit = false;
  for (const byte of bytes) {
    if (byte === 0 || byte === 0x0d || byte === 0x0a) return false;
    if (byte > 0x7f) eightBit = true;
  }
  return !eightBit || (options.utf8 === true && isUtf8(bytes));
}

function writeLiteral(parts: Buffer[], bytes: Buffer, binary: boolean): void {
  parts.push(Buffer.from(`${binary ? '~' : ''}{${bytes.length}}${CRLF}`), bytes);
}

/** number / number64 (RFC 9051 §9): non-negative integers. */
function number(value: number | bigint): string {
  const valid =
    typeof value === 'bigint'
      ? value >= 0n && value <= MAX_NUMBER64
      : Number.isSafeInteger(value) && value >= 0;
  if (!valid) throw new TypeError(`not an IMAP number: ${value}`);
  return String(value);
}

function isAtom(text: string): boolean {
  if (text.length === 0) return false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code <= 0x20 || code >= 0x7f || ATOM_SPECIALS.has(code)) return false;
  }
  return true;
}

/** Text for a status line: one line, UTF-8 only when the client accepts it. */
function oneLine(text: string, options: SerializeOptions): string {
  // eslint-disable-next-line no-control-regex
  const single = text.replace(/[\x00-\x1f\x7f]/g, ' ');
  return options.utf8 ? single : single.replace(/[^ -~]/g, '?');
}
