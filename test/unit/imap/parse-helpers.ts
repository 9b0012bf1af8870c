/**
 * Test helpers: run CommandParser over a whole wire text (literals taken from the text, as the
 * command reader would fetch them) and show argument trees as plain values for deepEqual.
 */
import assert from 'node:assert/strict';
import {
  CommandParser,
  ImapParseError,
  type ImapArg,
  type ImapCommand,
  type ParserOptions,
} from '../../../plugins/imap/protocol/index.js';

/** A parsed command, or the error; `literals` lists what was announced, in order. */
export interface WireResult {
  command?: ImapCommand;
  error?: ImapParseError;
  literals: { size: number; sync: boolean; binary: boolean; path: readonly number[] }[];
}

/** Parses one command from `wire` (LF or CRLF line endings, literals inline). */
export function parseWire(wire: Buffer | string, options: ParserOptions = {}): WireResult {
  const bytes = Buffer.isBuffer(wire) ? wire : Buffer.from(wire, 'latin1');
  const parser = new CommandParser(options);
  const literals: WireResult['literals'] = [];
  let at = 0;
  try {
    for (;;) {
      const lf = bytes.indexOf(0x0a, at);
      const end = lf < 0 ? bytes.length : lf;
      const line = bytes.subarray(at, end > at && bytes[end - 1] === 0x0d ? end - 1 : end);
      at = end + 1;
      const outcome = parser.feed(line);
      if (outcome.kind === 'complete') return { command: outcome.command, literals };
      literals.push({ ...outcome.literal, path: outcome.path });
      parser.literal(Buffer.from(bytes.subarray(at, at + outcome.literal.size)));
      at += outcome.literal.size;
    }
  } catch (err) {
    if (err instanceof ImapParseError) return { error: err, literals };
    throw err;
  }
}

export function parseOk(wire: Buffer | string, options: ParserOptions = {}): ImapCommand {
  const result = parseWire(wire, options);
  assert.equal(result.error, undefined, `${JSON.stringify(wire)}: ${result.error?.responseLine}`);
  return result.command!;
}

export function parseError(wire: Buffer | string, options: ParserOptions = {}): string {
  const result = parseWire(wire, options);
  assert.ok(result.error, `${JSON.stringify(wire)} should not parse`);
  return result.error.responseLine;
}

export type Shown =
  string | number | null | Shown[] | { section: string; items: Shown[]; partial?: [number, number] };

/**
 * An argument as a plain value: atoms bare (`FLAGS`), numbers as numbers, sequence sets as
 * `#1:*`, NIL as null, quoted strings as `"text"`, literals as `{text}` (`~{text}` for literal8),
 * lists as arrays, sections as objects.
 */
export function show(arg: ImapArg): Shown {
  switch (arg.type) {
    case 'atom':
      return arg.value;
    case 'number':
      return arg.value;
    case 'sequence':
      return `#${arg.raw}`;
    case 'nil':
      return null;
    case 'string': {
      const text = arg.value.toString('utf8');
      return arg.form === 'quoted' ? `"${text}"` : arg.form === 'literal' ? `{${text}}` : `~{${text}}`;
    }
    case 'stream':
      return `stream:${arg.literal.size}`;
    case 'list':
      return arg.items.map(show);
    case 'section':
      return {
        section: arg.name,
        items: arg.items.map(show),
        ...(arg.partial ? { partial: [arg.partial.offset, arg.partial.length] as [number, number] } : {}),
      };
  }
}

/** `[tag, name (UID prefixed), ...args shown]`. */
export function showCommand(command: ImapCommand): Shown[] {
  return [command.tag, (command.uid ? 'UID ' : '') + command.name, ...command.args.map(show)];
}
