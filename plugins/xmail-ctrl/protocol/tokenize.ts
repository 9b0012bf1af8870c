/**
 * The TAB-line tokenizer and the listing row format of XMail's CTRL protocol.
 *
 * Spec §3.1: XMail parses every command line with `StrGetTabLineStrings` = `StrTokenize(line, "\t")`
 * (strtok semantics) followed by `StrDeQuote(token, '"')` on each token. Spec §3.3: listings are
 * written as `"%s"` fields joined by TAB, with no escaping at all.
 */

const TAB = '\t';
const QUOTE = '"';
const BACKSLASH = '\\';

/**
 * Splits a command line (already stripped of its line ending) into de-quoted tokens.
 *
 * strtok semantics (§3.1): runs of TABs collapse and leading/trailing TABs vanish, so empty
 * fields disappear (`"a"\t\t"b"` is 2 tokens); a quoted empty field `""` still counts.
 * An empty line gives no tokens (XMail answers -00103 for both, §2).
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
 * (`"abc"def` is `abc`, `"no"op` is `no`, `"noop" ` is `noop`). Tokens not starting with `"` are
 * verbatim, so ` "noop"` (leading space) stays ` "noop"` and is an unknown command.
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
 * One listing row (§3.3): every field wrapped in `"` and joined by TAB, values printed raw: a value
 * holding `"` goes out unescaped, as XMail does (`"RealName"\t"Al "Q" x\\y"` in §6).
 * Returned without the line ending.
 */
export function formatListingRow(fields: readonly (string | number)[]): string {
  return fields.map((field) => `${QUOTE}${field}${QUOTE}`).join(TAB);
}
