/**
 * The Read Log stream (spec §2.9): after `240 Log data follows` each event goes out as
 * `Name: value` lines, `Identifier` first, then `Time`, then the other parameters in alphabetical
 * order, `Text` last, and a blank line ends it. A value of several lines (a multi-line Text; the
 * Parameters list, one name per line as everywhere else, §2.2) continues on lines starting with
 * one space. No dot-stuffing and no terminator: the stream runs until the client disconnects.
 */
import { asciiLowerCase } from '../../../core/index.js';

/** An event's parameters, each as its lines of value. */
export type EventParameters = Readonly<Record<string, readonly string[]>>;

const FIRST = ['Identifier', 'Time'];
const LAST = 'Text';

/** Alphabetical, ignoring ASCII case, by code unit, so the order does not depend on a locale. */
function compareNames(a: string, b: string): number {
  const [x, y] = [asciiLowerCase(a), asciiLowerCase(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

function rank(name: string): number {
  const first = FIRST.indexOf(name);
  if (first >= 0) return first;
  return name === LAST ? FIRST.length + 1 : FIRST.length;
}

/** The stream lines of one event, ending with the blank line. */
export function formatEventLines(event: EventParameters): string[] {
  const names = Object.keys(event).sort((a, b) => rank(a) - rank(b) || compareNames(a, b));
  const lines: string[] = [];
  for (const name of names) {
    const [first = '', ...rest] = event[name];
    lines.push(`${name}: ${first}`, ...rest.map((line) => ` ${line}`));
  }
  lines.push('');
  return lines;
}
