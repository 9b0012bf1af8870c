/**
 * What a command's arguments parse into: a tree that follows the lexical grammar of RFC 3501 §9
 * and knows nothing of what each command means. A command module walks it and asks for what it
 * expects at each place (a sequence set, an astring, a list of flags) with the helpers below, which
 * answer with the precise BAD otherwise.
 */
import { ImapParseError } from './errors.js';
import { parseSequenceSet, type SequenceSet } from './sequence-set.js';
import type { StreamedLiteral } from './streamed-literal.js';

/** A bare word that is neither NIL, a number nor a sequence set: `\Seen`, `FLAGS`, `%`, `INBOX`. */
export interface AtomArg {
  readonly type: 'atom';
  readonly value: string;
}

/** Digits only. `value` is exact up to 2^53; 64-bit values (MODSEQ) are read from `raw`. */
export interface NumberArg {
  readonly type: 'number';
  readonly value: number;
  readonly raw: string;
}

/** A word made of digits, `:`, `,`, `*` (or `$` alone) that is a valid sequence set, e.g. `1:*`. */
export interface SequenceArg {
  readonly type: 'sequence';
  readonly set: SequenceSet;
  readonly raw: string;
}

export interface NilArg {
  readonly type: 'nil';
}

/** A quoted string (escapes removed) or a literal read into memory; bytes, as charsets vary. */
export interface StringArg {
  readonly type: 'string';
  readonly value: Buffer;
  readonly form: 'quoted' | 'literal' | 'literal8';
}

/** A literal handed over as a stream (APPEND's message data), see command-reader.ts. */
export interface StreamArg {
  readonly type: 'stream';
  readonly literal: StreamedLiteral;
}

export interface ListArg {
  readonly type: 'list';
  readonly items: readonly ImapArg[];
}

/**
 * A FETCH section: `BODY[HEADER.FIELDS (A B)]<0.100>` is name `BODY`, items `HEADER.FIELDS` and
 * the list `(A B)`, partial offset 0 length 100. Names: BODY, BODY.PEEK, BINARY, BINARY.PEEK,
 * BINARY.SIZE (upper-cased).
 */
export interface SectionArg {
  readonly type: 'section';
  readonly name: string;
  readonly items: readonly ImapArg[];
  readonly partial?: { readonly offset: number; readonly length: number };
}

export type ImapArg =
  AtomArg | NumberArg | SequenceArg | NilArg | StringArg | StreamArg | ListArg | SectionArg;

/** A complete (or, while a literal streams, partial) command. */
export interface ImapCommand {
  readonly tag: string;
  /** Upper-cased; for `UID FETCH` it is `FETCH` with `uid` set. */
  readonly name: string;
  readonly uid: boolean;
  readonly args: readonly ImapArg[];
}

/**
 * The sequence set at an argument place, or `BAD Invalid sequence set "x"`. A single number is a
 * set too (`FETCH 5`), and so is `*`.
 */
export function sequenceSetOf(arg: ImapArg | undefined, tag: string): SequenceSet {
  if (arg === undefined) throw new ImapParseError(tag, 'Missing sequence set');
  if (arg.type === 'sequence') return arg.set;
  const set = arg.type === 'number' ? parseSequenceSet(arg.raw) : undefined;
  if (set) return set;
  throw new ImapParseError(tag, `Invalid sequence set ${describeArg(arg)}`);
}

/** An argument as an error text shows it: words and short strings quoted, the rest by kind. */
export function describeArg(arg: ImapArg): string {
  switch (arg.type) {
    case 'atom':
      return quoteForText(arg.value);
    case 'number':
    case 'sequence':
      return quoteForText(arg.raw);
    case 'string':
      return arg.form === 'quoted' ? quoteForText(arg.value.toString('latin1')) : 'literal';
    case 'nil':
      return 'NIL';
    case 'stream':
      return 'literal';
    case 'list':
      return 'list';
    case 'section':
      return quoteForText(`${arg.name}[...]`);
  }
}

/** Client text inside a response text: printable ASCII only, `"` replaced, cut at 40 characters. */
export function quoteForText(text: string): string {
  const clean = text.replace(/[^\x20-\x7e]|"/g, '?');
  return `"${clean.length > 40 ? clean.slice(0, 40) + '...' : clean}"`;
}
