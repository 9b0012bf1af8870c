/**
 * XMail's TAB-line format, shared by the CTRL protocol's command lines and the .tab files of the
 * mail root (mailproc.tab, custdomains/*.tab, cmd aliases).
 *
 * Spec §3.1: XMail parses every such line with `StrGetTabLineStrings` = `StrTokenize(line, "\t")`
 * (strtok semantics) followed by `StrDeQuote(token, '"')` on each token.
 */

const TAB = '\t';
const QUOTE = '"';
const BACKSLASH = '\\';

/**
 * Splits a line (already stripped of its line ending) into de-quoted tokens.
 *
 * strtok semantics (§3.1): runs of TABs collapse and leading/trailing TABs vanish, so empty
 * fields disappear (`"a"\t\t"b"` is 2 tokens); a quoted empty field `""` still counts.
 * An empty line gives no tokens.
 */
export function tokenizeTabLine(line: string): string[] {
  return line
    .split(TAB)
    .filter((field) => field.length > 0)
    .map(dequoteToken);
}

/**
 * `StrDeQuote(token, '"')` (§3.1): only a token whose FIRST char is `"` is de-quoted; its value is
 * everything up to the next unescaped `"` (or the end), with `\"` turned into `"` and every other
 * backslash kept (`\\` stays two backslashes). Whatever follows the closing quote is dropped
 * (`"abc"def` is `abc`). Tokens not starting with `"` are verbatim.
 */
export function dequoteToken(token: string): string {
  if (!token.startsWith(QUOTE)) return token;
  let value = '';
  for (let i = 1; i < token.length && token[i] !== QUOTE; i++) {
    if (token[i] === BACKSLASH && token[i + 1] === QUOTE) i++;
    value += token[i];
  }
  return value;
}

/**
 * The token lists of a .tab file, as XMail's `MscGetConfigLine` reads it: CR/LF line endings,
 * blank lines and lines starting with `#` skipped, lines with no token left out.
 */
export function parseTabFile(text: string): string[][] {
  const rows: string[][] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/\r+$/, '');
    if (line.trim() === '' || line.startsWith('#')) continue;
    const tokens = tokenizeTabLine(line);
    if (tokens.length > 0) rows.push(tokens);
  }
  return rows;
}
