/**
 * The search criteria of SEARCH, SORT and THREAD (RFC 3501 §6.4.4, RFC 5032 WITHIN, RFC 5182 `$`)
 * read from a command's argument tree into a SearchKey tree, with a BAD saying exactly what was
 * wrong otherwise. Nothing here looks at messages: evaluate.ts does.
 */
import {
  describeArg,
  ImapParseError,
  parseSequenceSet,
  type ImapArg,
  type SequenceSet,
} from '../protocol/index.js';
import { parseSearchDate } from './dates.js';
import { foldText } from './text-match.js';

/** The envelope fields FROM, TO, CC, BCC and SUBJECT search. */
export type EnvelopeField = 'from' | 'to' | 'cc' | 'bcc' | 'subject';

/**
 * One search key. Strings are kept folded (foldText) for the case-insensitive substring match;
 * dates are day numbers (dates.ts).
 */
export type SearchKey =
  | { readonly kind: 'all' }
  /** Every key must match (the juxtaposed keys of a command, a parenthesised group). */
  | { readonly kind: 'and'; readonly keys: readonly SearchKey[] }
  | { readonly kind: 'or'; readonly left: SearchKey; readonly right: SearchKey }
  | { readonly kind: 'not'; readonly key: SearchKey }
  /** A message number set (`1:4`, `$`). */
  | { readonly kind: 'sequence'; readonly set: SequenceSet }
  /** `UID 3:*`, `UID $`. */
  | { readonly kind: 'uid'; readonly set: SequenceSet }
  /** A system flag or keyword, present or absent (ANSWERED, UNSEEN, KEYWORD x, UNKEYWORD x, ...). */
  | { readonly kind: 'flag'; readonly flag: string; readonly present: boolean }
  /** RECENT (`recent: true`) and OLD; NEW is RECENT UNSEEN. */
  | { readonly kind: 'recent'; readonly recent: boolean }
  | { readonly kind: 'internal-date'; readonly op: DateOp; readonly day: number }
  | { readonly kind: 'sent-date'; readonly op: DateOp; readonly day: number }
  | { readonly kind: 'size'; readonly op: 'larger' | 'smaller'; readonly size: number }
  /** RFC 5032: the internal date is within (`younger`) or before (`older`) the last n seconds. */
  | { readonly kind: 'age'; readonly op: 'younger' | 'older'; readonly seconds: number }
  | { readonly kind: 'envelope'; readonly field: EnvelopeField; readonly text: string }
  /** HEADER: `field` lower-cased. */
  | { readonly kind: 'header'; readonly field: string; readonly text: string }
  | { readonly kind: 'body'; readonly text: string }
  | { readonly kind: 'text'; readonly text: string };

export type DateOp = 'before' | 'on' | 'since';

/** The charsets search strings may be sent in; BADCHARSET lists them. */
export const SEARCH_CHARSETS = ['UTF-8', 'US-ASCII'] as const;

/** How deep NOT, OR and parentheses may nest (the evaluator recurses that deep). */
export const MAX_DEPTH = 100;

const FLAG_KEYS: Record<string, { flag: string; present: boolean }> = {
  ANSWERED: { flag: '\\Answered', present: true },
  DELETED: { flag: '\\Deleted', present: true },
  DRAFT: { flag: '\\Draft', present: true },
  FLAGGED: { flag: '\\Flagged', present: true },
  SEEN: { flag: '\\Seen', present: true },
  UNANSWERED: { flag: '\\Answered', present: false },
  UNDELETED: { flag: '\\Deleted', present: false },
  UNDRAFT: { flag: '\\Draft', present: false },
  UNFLAGGED: { flag: '\\Flagged', present: false },
  UNSEEN: { flag: '\\Seen', present: false },
};

const DATE_KEYS: Record<string, { kind: 'internal-date' | 'sent-date'; op: DateOp }> = {
  BEFORE: { kind: 'internal-date', op: 'before' },
  ON: { kind: 'internal-date', op: 'on' },
  SINCE: { kind: 'internal-date', op: 'since' },
  SENTBEFORE: { kind: 'sent-date', op: 'before' },
  SENTON: { kind: 'sent-date', op: 'on' },
  SENTSINCE: { kind: 'sent-date', op: 'since' },
};

const ENVELOPE_KEYS: Record<string, EnvelopeField> = {
  FROM: 'from',
  TO: 'to',
  CC: 'cc',
  BCC: 'bcc',
  SUBJECT: 'subject',
};

/** RFC 5322 field-name: printable ASCII but the colon. */
const FIELD_NAME = /^[!-9;-~]+$/;

/**
 * The charset argument (SEARCH's after CHARSET, SORT's and THREAD's in place): UTF-8 or US-ASCII,
 * otherwise `NO [BADCHARSET (UTF-8 US-ASCII)]`.
 */
export function checkCharset(arg: ImapArg | undefined, tag: string): void {
  const name = arg ? stringOf(arg) : undefined;
  if (name === undefined) {
    throw new ImapParseError(tag, `Expected a charset, got ${arg ? describeArg(arg) : 'nothing'}`);
  }
  if (!SEARCH_CHARSETS.some((charset) => charset === name.toUpperCase())) {
    throw new ImapParseError(
      tag,
      `Charset ${describeArg(arg!)} is not supported`,
      'NO',
      `BADCHARSET (${SEARCH_CHARSETS.join(' ')})`,
    );
  }
}

/**
 * The search keys of `args`, all of which must match; at least one. `args` is what follows the
 * RETURN options and the charset.
 */
export function parseSearchKeys(args: readonly ImapArg[], tag: string): SearchKey {
  if (args.length === 0) throw new ImapParseError(tag, 'Missing search criteria');
  const reader = new KeyReader(args, tag);
  const keys: SearchKey[] = [];
  while (!reader.atEnd) keys.push(reader.key(0));
  return keys.length === 1 ? keys[0] : { kind: 'and', keys };
}

/** Walks one list of arguments, one key at a time. */
class KeyReader {
  private at = 0;

  constructor(
    private readonly args: readonly ImapArg[],
    private readonly tag: string,
  ) {}

  get atEnd(): boolean {
    return this.at >= this.args.length;
  }

  key(depth: number): SearchKey {
    if (depth > MAX_DEPTH) {
      throw this.error(`Search criteria nested too deeply (more than ${MAX_DEPTH} levels)`);
    }
    const arg = this.args[this.at++];
    if (arg.type === 'list') {
      if (arg.items.length === 0) throw this.error('Empty parenthesised search key "()"');
      const inner = new KeyReader(arg.items, this.tag);
      const keys: SearchKey[] = [];
      while (!inner.atEnd) keys.push(inner.key(depth + 1));
      return keys.length === 1 ? keys[0] : { kind: 'and', keys };
    }
    if (arg.type === 'sequence' || arg.type === 'number') {
      return { kind: 'sequence', set: this.sequenceSet(arg, 'Invalid message number set') };
    }
    if (arg.type !== 'atom') throw this.error(`Expected a search key, got ${describeArg(arg)}`);
    const name = arg.value.toUpperCase();
    const flag = FLAG_KEYS[name];
    if (flag) return { kind: 'flag', ...flag };
    const date = DATE_KEYS[name];
    if (date) return { kind: date.kind, op: date.op, day: this.date(name) };
    const field = ENVELOPE_KEYS[name];
    if (field) return { kind: 'envelope', field, text: foldText(this.string(name)) };
    switch (name) {
      case 'ALL':
        return { kind: 'all' };
      case 'RECENT':
        return { kind: 'recent', recent: true };
      case 'OLD':
        return { kind: 'recent', recent: false };
      case 'NEW':
        return {
          kind: 'and',
          keys: [
            { kind: 'recent', recent: true },
            { kind: 'flag', flag: '\\Seen', present: false },
          ],
        };
      case 'KEYWORD':
      case 'UNKEYWORD':
        return { kind: 'flag', flag: this.keyword(name), present: name === 'KEYWORD' };
      case 'LARGER':
      case 'SMALLER':
        return { kind: 'size', op: name === 'LARGER' ? 'larger' : 'smaller', size: this.number(name, 0) };
      case 'YOUNGER':
      case 'OLDER':
        return { kind: 'age', op: name === 'YOUNGER' ? 'younger' : 'older', seconds: this.number(name, 1) };
      case 'HEADER': {
        const fieldName = this.string('HEADER', 'a header field name');
        if (!FIELD_NAME.test(fieldName)) {
          throw this.error(`Invalid header field name ${describeArg(this.args[this.at - 1])} for HEADER`);
        }
        return { kind: 'header', field: fieldName.toLowerCase(), text: foldText(this.string('HEADER')) };
      }
      case 'BODY':
        return { kind: 'body', text: foldText(this.string(name)) };
      case 'TEXT':
        return { kind: 'text', text: foldText(this.string(name)) };
      case 'UID': {
        const set = this.args[this.at++];
        if (!set) throw this.error('UID needs a UID set, got nothing');
        return { kind: 'uid', set: this.sequenceSet(set, 'UID needs a UID set, got') };
      }
      case 'NOT':
        if (this.atEnd) throw this.error('NOT needs a search key after it');
        return { kind: 'not', key: this.key(depth + 1) };
      case 'OR': {
        if (this.atEnd) throw this.error('OR needs two search keys, got none');
        const left = this.key(depth + 1);
        if (this.atEnd) throw this.error('OR needs two search keys, got one');
        return { kind: 'or', left, right: this.key(depth + 1) };
      }
      case 'CHARSET':
        throw this.error('CHARSET must come before the search keys');
      case 'RETURN':
        throw this.error('RETURN must come first, right after SEARCH');
      default:
        throw this.error(`Unknown search key ${describeArg(arg)}`);
    }
  }

  /** A sequence set argument; `invalid` starts the error text when it is not one. */
  private sequenceSet(arg: ImapArg, invalid: string): SequenceSet {
    const set =
      arg.type === 'sequence' ? arg.set : arg.type === 'number' ? parseSequenceSet(arg.raw) : undefined;
    if (!set) throw this.error(`${invalid} ${describeArg(arg)}`);
    return set;
  }

  /** An astring, UTF-8 decoded (NIL is the word NIL here). */
  private string(key: string, what = 'a string'): string {
    const arg = this.args[this.at++];
    const text = arg ? stringOf(arg) : undefined;
    if (text === undefined)
      throw this.error(`${key} needs ${what}, got ${arg ? describeArg(arg) : 'nothing'}`);
    return text;
  }

  private date(key: string): number {
    const arg = this.args[this.at++];
    const text =
      arg?.type === 'atom' || (arg?.type === 'string' && arg.form === 'quoted') ? stringOf(arg) : undefined;
    const day = text === undefined ? undefined : parseSearchDate(text);
    if (day === undefined) {
      throw this.error(`${key} needs a date like 1-Feb-2026, got ${arg ? describeArg(arg) : 'nothing'}`);
    }
    return day;
  }

  /** A number of at least `min`. */
  private number(key: string, min: number): number {
    const arg = this.args[this.at++];
    if (arg?.type !== 'number' || arg.value < min || !Number.isSafeInteger(arg.value)) {
      const what = min === 0 ? 'a number' : 'a number above 0';
      throw this.error(`${key} needs ${what}, got ${arg ? describeArg(arg) : 'nothing'}`);
    }
    return arg.value;
  }

  private keyword(key: string): string {
    const arg = this.args[this.at++];
    if (arg?.type !== 'atom') {
      throw this.error(`${key} needs a flag keyword, got ${arg ? describeArg(arg) : 'nothing'}`);
    }
    return arg.value;
  }

  private error(text: string): ImapParseError {
    return new ImapParseError(this.tag, text);
  }
}

/** An astring's text: atoms and numbers as written, strings UTF-8 decoded, NIL as the word. */
function stringOf(arg: ImapArg): string | undefined {
  switch (arg.type) {
    case 'atom':
      return arg.value;
    case 'number':
    case 'sequence':
      return arg.raw;
    case 'nil':
      return 'NIL';
    case 'string':
      return arg.value.toString('utf8');
    default:
      return undefined;
  }
}
