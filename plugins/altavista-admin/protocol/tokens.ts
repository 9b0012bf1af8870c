/**
 * Splitting a command line into tokens (spec §2.1): tokens are separated by runs of spaces or tabs;
 * a token is a bare word (no space, tab or `"`) or a quoted string in which `\"` stands for `"` and
 * `\\` for `\`. The empty quoted string is the null name of a root entity.
 *
 * Keywords (command words, entity kinds, login methods) must be bare: the lexer needs to know
 * whether a token was quoted, so `"Show"` is an argument that happens to read Show, not the command.
 */
import { AvProtocolError } from './responses.js';

export interface Token {
  readonly text: string;
  readonly quoted: boolean;
}

const SEPARATOR = /[ \t]/;

export interface ScannedLine {
  /** The tokens read, up to the first malformed one. */
  readonly tokens: readonly Token[];
  /** `501 Syntax error` when the line goes wrong after `tokens`. */
  readonly error?: AvProtocolError;
}

/**
 * The tokens of a line (line ending already removed). Leading and trailing separators are
 * ignored: §2.1 defines tokens by what separates them, and a stray blank is not an argument.
 * Scanning stops with `501 Syntax error` at an unterminated quoted string, a `"` inside a bare
 * word, a quoted string run into other text (`"a"b`), or a backslash escaping anything but `"` or
 * `\`. The tokens before it are still returned, so that an unknown command word can be told
 * (`500`) from a known command with bad arguments (`501`).
 */
export function scanTokens(line: string): ScannedLine {
  const tokens: Token[] = [];
  let at = 0;
  try {
    while (at < line.length) {
      if (SEPARATOR.test(line[at])) {
        at++;
        continue;
      }
      const token = line[at] === '"' ? readQuoted(line, at) : readBare(line, at);
      tokens.push(token.token);
      at = token.end;
    }
  } catch (error) {
    if (error instanceof AvProtocolError) return { tokens, error };
    throw error;
  }
  return { tokens };
}

function readBare(line: string, start: number): { token: Token; end: number } {
  let end = start;
  while (end < line.length && !SEPARATOR.test(line[end])) {
    if (line[end] === '"') throw syntaxError('a bare word holds a "');
    end++;
  }
  return { token: { text: line.slice(start, end), quoted: false }, end };
}

function readQuoted(line: string, start: number): { token: Token; end: number } {
  let text = '';
  for (let at = start + 1; at < line.length; at++) {
    const char = line[at];
    if (char === '"') {
      const end = at + 1;
      if (end < line.length && !SEPARATOR.test(line[end]))
        throw syntaxError('text runs on after a quoted string');
      return { token: { text, quoted: true }, end };
    }
    if (char === '\\') {
      // Only the two escapes of §2.1 exist; reading `\n` or a lone `\` as literal would make
      // `"a\"` mean two different things, so anything else is refused.
      const next = line[at + 1];
      if (next !== '"' && next !== '\\') throw syntaxError('a backslash escapes only " and \\');
      text += next;
      at++;
      continue;
    }
    text += char;
  }
  throw syntaxError('unterminated quoted string');
}

/**
 * How a client writes `text` as one token: bare when it can be, quoted (with escapes) otherwise;
 * the empty string is `""`, the null name.
 */
export function quoteToken(text: string): string {
  if (text !== '' && !/[ \t"]/.test(text)) return text;
  return `"${text.replace(/[\\"]/g, (char) => `\\${char}`)}"`;
}

function syntaxError(detail: string): AvProtocolError {
  return AvProtocolError.of('SYNTAX_ERROR', detail);
}
