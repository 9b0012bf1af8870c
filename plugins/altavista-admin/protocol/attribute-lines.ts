/**
 * Lines of the attribute substate (spec §2.4, §2.5.5). The attribute name comes first; if the line
 * holds a space, the value is everything after the first space, verbatim (spaces kept, possibly
 * empty). These lines are not dot-stuffed: a line that is exactly `.` ends the substate.
 */
import type { AttributeVerb } from './commands.js';
import { AvProtocolError } from './responses.js';
import { ATTRIBUTE_NAME } from './syntaxes.js';

export const END_OF_ATTRIBUTES = '.';

export type AttributeLine =
  /** `.`: leave the substate, answered `200 OK`. */
  | { readonly kind: 'end' }
  /**
   * `name` as the client spelled it (canonicalise with lookupAttribute); `value` undefined when the
   * line had no space, which for Remove and Set means "all values" / "remove the attribute".
   */
  | { readonly kind: 'attribute'; readonly name: string; readonly value?: string };

/**
 * One line of the substate opened by `verb`, or `501 Syntax error` for a blank line, a name that is
 * not letters and digits, an Add line without a value, or a Show line with one.
 *
 * Only a space separates (§2.5.5 says "the first space"): `Members<TAB>x` is a malformed name,
 * not a value. A trailing space makes an empty value, which is what lets `Set` store an empty
 * Password apart from removing it; by the same rule `Show` of `Usernames ` carries a value (501).
 */
export function parseAttributeLine(verb: AttributeVerb, line: string): AttributeLine {
  if (line === END_OF_ATTRIBUTES) return { kind: 'end' };
  const space = line.indexOf(' ');
  const name = space < 0 ? line : line.slice(0, space);
  const value = space < 0 ? undefined : line.slice(space + 1);
  if (!ATTRIBUTE_NAME.test(name)) throw AvProtocolError.of('SYNTAX_ERROR', 'bad attribute name');
  if (verb === 'Add' && value === undefined) throw AvProtocolError.of('SYNTAX_ERROR', 'Add needs a value');
  if (verb === 'Show' && value !== undefined) throw AvProtocolError.of('SYNTAX_ERROR', 'Show takes no value');
  return value === undefined ? { kind: 'attribute', name } : { kind: 'attribute', name, value };
}
