/**
 * Parses one IMAP command (RFC 3501 §9 `command`) from its lines, without I/O and without ever
 * holding a literal's bytes itself.
 *
 * A command is one or more lines: every line but the last ends with a literal announcement
 * (`{n}`, `{n+}` or `~{n}`), and the literal's bytes come between that line and the next. So the
 * parser takes a line at a time (line ending removed) and answers either "complete" with the
 * command, or "literal of n bytes expected here"; the caller (command-reader.ts) then gets the
 * bytes however it likes, hands them back with literal() (a buffer, or a stream handle for
 * APPEND's message) and feeds the next line, which continues the command right after the literal.
 * Lists and sections left open by a line stay open across the literal.
 *
 * The grammar is the lexical one: tag, command name (checked against IMAP_COMMANDS), then
 * arguments as an ImapArg tree (see arguments.ts); what each command expects is its module's
 * business. It is strict where RFC 3501 is (one space between arguments, none inside parentheses,
 * 8-bit only in literals, or in quoted strings once UTF8=ACCEPT is enabled, RFC 6855) and every
 * refusal is an ImapParseError with a text saying what was wrong. Nothing else is ever thrown.
 */
import { isUtf8 } from 'node:buffer';
import type { ImapArg, ImapCommand, ListArg, SectionArg } from './arguments.js';
import { quoteForText } from './arguments.js';
import { IMAP_COMMANDS, UID_COMMANDS } from './commands.js';
import { ImapParseError } from './errors.js';
import { parseSequenceSet } from './sequence-set.js';
import type { StreamedLiteral } from './streamed-literal.js';

export interface ParserOptions {
  /** UTF8=ACCEPT is enabled (RFC 6855 §3): quoted strings may hold UTF-8. */
  readonly utf8Accept?: boolean;
}

/** A literal announced at the end of a line. */
export interface LiteralMarker {
  readonly size: number;
  /** `{n}`: the client waits for `+` before sending; `{n+}` (LITERAL+/-, RFC 7888) does not. */
  readonly sync: boolean;
  /** `~{n}`: literal8 (BINARY, RFC 3516), may hold NUL. */
  readonly binary: boolean;
}

export type LineOutcome =
  | { readonly kind: 'complete'; readonly command: ImapCommand }
  /**
   * The line ends in a literal announcement. `path` is where the literal goes in the argument
   * tree: `[0]` is the first argument, `[2, 1]` the second item of the list that is the third.
   */
  | { readonly kind: 'literal'; readonly literal: LiteralMarker; readonly path: readonly number[] };

const SP = 0x20;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN = 0x28;
const CLOSE = 0x29;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACKET = 0x5b;
const LESS_THAN = 0x3c;
const TILDE = 0x7e;
const NUL = 0x00;

/** Words that open a FETCH section with `[` (RFC 3501 §9 fetch-att, RFC 3516). */
const SECTION_NAMES = new Set(['BODY', 'BODY.PEEK', 'BINARY', 'BINARY.PEEK', 'BINARY.SIZE']);
/** `{n}`, `{n+}`, `~{n}`, `~{n+}` and nothing after it. */
const LITERAL_MARKER = /^(~?)\{([0-9]+)(\+?)\}$/;
const PARTIAL = /^<([0-9]+)\.([0-9]+)>/;
const DIGITS = /^[0-9]+$/;
const SEQUENCE_CHARS = /^(?:[0-9:*,]+|\$)$/;
const COMMAND_NAME = /^[A-Za-z]+$/;
/** Literal sizes and partial ranges are `number` (RFC 3501) or `number64` (RFC 9051): keep them exact. */
const MAX_SIZE = Number.MAX_SAFE_INTEGER;

interface Frame {
  readonly kind: 'root' | 'list' | 'section';
  readonly items: ImapArg[];
  /** The section argument this frame fills, to attach its partial when it closes. */
  readonly section?: { partial?: SectionArg['partial'] };
}

/**
 * Where the scanner stands between tokens: `open` right after the command name's space, `(` or
 * `[` (an item or a close may follow), `space` after a separating space (an item must follow),
 * `item` after an item (a space, a close or the end of the line must follow).
 */
type Position = 'open' | 'space' | 'item';

/** One command; make a new parser for the next. */
export class CommandParser {
  private tagValue: string | undefined;
  private name: string | undefined;
  private uid = false;
  private readonly root: Frame = { kind: 'root', items: [] };
  private readonly stack: Frame[] = [this.root];
  private position: Position = 'item';
  private pending: LiteralMarker | undefined;
  private line: Buffer = Buffer.alloc(0);
  private pos = 0;

  constructor(private readonly options: ParserOptions = {}) {}

  /** The tag, once the first line has been read far enough. */
  get tag(): string | undefined {
    return this.tagValue;
  }

  /** The command as parsed so far (complete once feed() said so). */
  get command(): ImapCommand {
    return { tag: this.tagValue ?? '', name: this.name ?? '', uid: this.uid, args: this.root.items };
  }

  /** Parses the next line of the command, its line ending removed. */
  feed(line: Buffer): LineOutcome {
    if (this.pending) throw new Error('CommandParser: literal() expected before the next line');
    this.line = line;
    this.pos = 0;
    if (this.name === undefined) this.readCommandName();
    while (this.pos < this.line.length) {
      const marker = this.readNext();
      if (marker) {
        this.pending = marker;
        return { kind: 'literal', literal: marker, path: this.pathOfNextItem() };
      }
    }
    if (this.position === 'space') throw this.error('Trailing space at the end of the line');
    const open = this.top();
    if (open.kind === 'list') throw this.error('Missing ")"');
    if (open.kind === 'section') throw this.error('Missing "]" after the section');
    return { kind: 'complete', command: this.command };
  }

  /** The announced literal's content: its bytes, or the stream handle they are read through. */
  literal(value: Buffer | StreamedLiteral): void {
    const marker = this.pending;
    if (!marker) throw new Error('CommandParser: no literal was announced');
    this.pending = undefined;
    this.push(
      Buffer.isBuffer(value)
        ? { type: 'string', value, form: marker.binary ? 'literal8' : 'literal' }
        : { type: 'stream', literal: value },
    );
  }

  private readCommandName(): void {
    const tagEnd = this.wordEnd();
    if (tagEnd === 0) throw this.error(this.line.length === 0 ? 'Empty command line' : 'Missing tag');
    const tag = this.line.toString('latin1', 0, tagEnd);
    if (!isTag(this.line.subarray(0, tagEnd)))
      throw new ImapParseError(undefined, `Invalid tag ${quoteForText(tag)}`);
    this.tagValue = tag;
    this.pos = tagEnd;
    let name = this.nextCommandWord('Missing command');
    if (name === 'UID') {
      this.uid = true;
      name = this.nextCommandWord('Missing command after UID');
      if (!UID_COMMANDS.has(name)) throw this.error(`Unknown command ${quoteForText(`UID ${name}`)}`);
    } else if (!IMAP_COMMANDS.has(name)) {
      throw this.error(`Unknown command ${quoteForText(name)}`);
    }
    this.name = name;
    this.position = 'item';
  }

  /** ` NAME`: the space and the upper-cased word after it. */
  private nextCommandWord(missing: string): string {
    if (this.pos >= this.line.length || this.line[this.pos] !== SP) throw this.error(missing);
    this.pos++;
    const end = this.wordEnd();
    if (end === this.pos) throw this.error(missing);
    const word = this.line.toString('latin1', this.pos, end);
    if (!COMMAND_NAME.test(word)) throw this.error(`Unknown command ${quoteForText(word)}`);
    this.pos = end;
    return word.toUpperCase();
  }

  /** The end of the run of non-space bytes at pos. */
  private wordEnd(): number {
    const space = this.line.indexOf(SP, this.pos);
    return space < 0 ? this.line.length : space;
  }

  /** Reads one token (a separator, an opening, a closing or an item); a literal marker ends the line. */
  private readNext(): LiteralMarker | undefined {
    const byte = this.line[this.pos];
    if (this.position === 'item') {
      if (byte === SP) {
        this.pos++;
        this.position = 'space';
      } else if (byte === CLOSE || (byte === CLOSE_BRACKET && this.top().kind === 'section')) {
        this.close(byte);
      } else {
        throw this.error(`Expected a space before ${this.context()}`);
      }
      return undefined;
    }
    if (byte === SP) {
      throw this.error(
        this.position === 'space'
          ? 'Extra space'
          : `Unexpected space after "${this.top().kind === 'list' ? '(' : '['}"`,
      );
    }
    if (byte === CLOSE || (byte === CLOSE_BRACKET && this.top().kind === 'section')) {
      if (this.position === 'space')
        throw this.error(`Unexpected space before "${String.fromCharCode(byte)}"`);
      this.close(byte);
      return undefined;
    }
    if (byte === OPEN) {
      const list: ListArg = { type: 'list', items: [] };
      this.push(list);
      this.stack.push({ kind: 'list', items: list.items as ImapArg[] });
      this.pos++;
      this.position = 'open';
      return undefined;
    }
    if (byte === DQUOTE) {
      this.push({ type: 'string', value: this.readQuoted(), form: 'quoted' });
      return undefined;
    }
    if (byte === OPEN_BRACE || (byte === TILDE && this.line[this.pos + 1] === OPEN_BRACE))
      return this.readMarker();
    this.readWord();
    return undefined;
  }

  private close(byte: number): void {
    const frame = this.top();
    if (byte === CLOSE && frame.kind !== 'list') {
      throw this.error(frame.kind === 'section' ? 'Missing "]" before ")"' : 'Unexpected ")"');
    }
    this.stack.pop();
    this.pos++;
    this.position = 'item';
    if (frame.kind === 'section' && this.line[this.pos] === LESS_THAN) this.readPartial(frame);
  }

  /** `<offset.length>` right after a section's `]` (RFC 3501 §9 section-partial). */
  private readPartial(frame: Frame): void {
    const rest = this.line.toString('latin1', this.pos, Math.min(this.line.length, this.pos + 48));
    const match = PARTIAL.exec(rest);
    const offset = match ? Number(match[1]) : NaN;
    const length = match ? Number(match[2]) : NaN;
    if (!match || offset > MAX_SIZE || length > MAX_SIZE || length === 0) {
      const shown = rest.slice(0, rest.indexOf('>') + 1 || rest.length);
      throw this.error(`Invalid partial ${quoteForText(shown)}: expected <offset.length>, length above 0`);
    }
    frame.section!.partial = { offset, length };
    this.pos += match[0].length;
  }

  /** A quoted string (RFC 3501 §9 quoted, RFC 6855 §3 for UTF-8), pos on its opening quote. */
  private readQuoted(): Buffer {
    const bytes: number[] = [];
    let eightBit = false;
    for (let at = this.pos + 1; at < this.line.length; at++) {
      let byte = this.line[at];
      if (byte === DQUOTE) {
        this.pos = at + 1;
        this.position = 'item';
        const value = Buffer.from(bytes);
        if (eightBit && !isUtf8(value)) throw this.error('Invalid UTF-8 in quoted string');
        return value;
      }
      if (byte === BACKSLASH) {
        byte = this.line[++at];
        if (byte !== DQUOTE && byte !== BACKSLASH) {
          throw this.error(
            at < this.line.length
              ? `Invalid escape "\\${printableByte(byte)}" in quoted string: only \\\\ and \\" are allowed`
              : 'Unterminated quoted string',
          );
        }
      } else if (byte === NUL || byte === 0x0d || byte === 0x0a) {
        throw this.error(`Invalid character ${hexByte(byte)} in quoted string: send it as a literal`);
      } else if (byte > 0x7f) {
        if (!this.options.utf8Accept) {
          throw this.error(
            '8-bit character in quoted string: send it as a literal (UTF8=ACCEPT is not enabled)',
          );
        }
        eightBit = true;
      }
      bytes.push(byte);
    }
    throw this.error('Unterminated quoted string');
  }

  /** `{n}`, `{n+}`, `~{n}` or `~{n+}`, which must end the line. */
  private readMarker(): LiteralMarker {
    const text = this.line.toString('latin1', this.pos);
    const match = LITERAL_MARKER.exec(text);
    if (!match) {
      const close = text.indexOf('}');
      if (close >= 0 && LITERAL_MARKER.test(text.slice(0, close + 1))) {
        throw this.error('A literal announcement must end the line');
      }
      throw this.error(
        `Invalid literal announcement ${quoteForText(close >= 0 ? text.slice(0, close + 1) : text)}`,
      );
    }
    const size = Number(match[2]);
    if (size > MAX_SIZE) throw this.error(`Literal size ${quoteForText(match[2])} is out of range`);
    this.pos = this.line.length;
    this.position = 'item';
    return { size, sync: match[3] === '', binary: match[1] === '~' };
  }

  /**
   * A bare word: an atom, NIL, a number or a sequence set (classified here, see arguments.ts), or
   * a section name followed by `[`. Words take any printable ASCII except `(`, `)`, `{`, `"` (and
   * `]` inside a section): flags (`\Seen`), LIST patterns (`%`, `*`, `a]b`) and atoms alike.
   */
  private readWord(): void {
    const start = this.pos;
    const inSection = this.top().kind === 'section';
    let at = start;
    for (; at < this.line.length; at++) {
      const byte = this.line[at];
      if (byte === OPEN_BRACKET && SECTION_NAMES.has(this.line.toString('latin1', start, at).toUpperCase())) {
        this.openSection(this.line.toString('latin1', start, at).toUpperCase(), at);
        return;
      }
      if (byte <= SP || byte >= 0x7f) {
        if (byte === SP) break;
        throw this.error(
          byte > 0x7f
            ? '8-bit characters are only allowed in strings'
            : `Invalid character ${hexByte(byte)} in command`,
        );
      }
      if (byte === OPEN || byte === CLOSE || byte === OPEN_BRACE || byte === DQUOTE) break;
      if (byte === CLOSE_BRACKET && inSection) break;
    }
    if (at === start) throw this.error(`Unexpected ${this.context()}`);
    const word = this.line.toString('latin1', start, at);
    this.pos = at;
    this.position = 'item';
    this.push(classifyWord(word));
  }

  private openSection(name: string, bracket: number): void {
    const section: { -readonly [K in keyof SectionArg]: SectionArg[K] } = {
      type: 'section',
      name,
      items: [],
    };
    this.push(section);
    this.stack.push({ kind: 'section', items: section.items as ImapArg[], section });
    this.pos = bracket + 1;
    this.position = 'open';
  }

  private push(arg: ImapArg): void {
    this.top().items.push(arg);
  }

  private top(): Frame {
    return this.stack[this.stack.length - 1];
  }

  private pathOfNextItem(): number[] {
    const path: number[] = [];
    for (let depth = 0; depth < this.stack.length; depth++) {
      const frame = this.stack[depth];
      // Open frames are the last item of their parent; the literal is the next item of the top.
      path.push(depth === this.stack.length - 1 ? frame.items.length : frame.items.length - 1);
    }
    return path;
  }

  /** The line from pos, as an error text shows it. */
  private context(): string {
    return quoteForText(this.line.toString('latin1', this.pos, this.pos + 20));
  }

  private error(text: string): ImapParseError {
    return new ImapParseError(this.tagValue, text);
  }
}

function classifyWord(word: string): ImapArg {
  if (word.length === 3 && word.toUpperCase() === 'NIL') return { type: 'nil' };
  if (DIGITS.test(word)) return { type: 'number', value: Number(word), raw: word };
  if (SEQUENCE_CHARS.test(word)) {
    const set = parseSequenceSet(word);
    if (set) return { type: 'sequence', set, raw: word };
  }
  return { type: 'atom', value: word };
}

/** tag = 1*<any ASTRING-CHAR except "+"> (RFC 3501 §9). */
export function isTag(bytes: Buffer): boolean {
  return bytes.every((byte) => byte > SP && byte < 0x7f && !TAG_EXCLUDED.has(byte));
}
const TAG_EXCLUDED = new Set([...'(){%*"\\+'].map((char) => char.charCodeAt(0)));

function hexByte(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0')}`;
}

function printableByte(byte: number): string {
  return byte > SP && byte < 0x7f && byte !== DQUOTE ? String.fromCharCode(byte) : hexByte(byte);
}
