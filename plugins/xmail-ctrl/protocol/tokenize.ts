/**
 * The TAB-line tokenizer and the listing row format of XMail's CTRL protocol.
 *
 * Spec §3.1: command lines are parsed like every XMail .tab line (`StrGetTabLineStrings`): the
 * tokenizer lives in core/model/tab-lines.ts, shared with mail processing. Spec §3.3: listings
 * are written as `"%s"` fields joined by TAB, with no escaping at all.
 */
export { dequoteToken, tokenizeTabLine } from '../../../core/index.js';

/**
 * One listing row (§3.3): every field wrapped in `"` and joined by TAB, values printed raw: a value
 * holding `"` goes out unescaped, as XMail does (`"RealName"\t"Al "Q" x\\y"` in §6).
 * Returned without the line ending.
 */
export function formatListingRow(fields: readonly (string | number)[]): string {
  return fields.map((field) => `"${field}"`).join('\t');
}
