/**
 * The data substate (spec §2.4): the sender sends the data lines, each one that starts with `.`
 * getting an extra `.` in front, then a line holding only `.`, then one response line (`200 OK`,
 * `540 ...`, or for a test `200 Test passed` / `560 Test failed`). In versions 1 and 2 only the
 * responder sends data, but both directions are here so a client (and the tests) read it back.
 */

export const END_OF_DATA = '.';

/** Sender side, one line: `.x` goes out as `..x`. */
export function stuffDataLine(line: string): string {
  return line.startsWith('.') ? `.${line}` : line;
}

/** Sender side, a whole block: the stuffed lines, then the `.` line (the response follows separately). */
export function formatDataBlock(lines: readonly string[]): string[] {
  return [...lines.map(stuffDataLine), END_OF_DATA];
}

/** Receiver side, one line: the data line it carries, or null for the terminating `.`. */
export function unstuffDataLine(line: string): string | null {
  if (line === END_OF_DATA) return null;
  return line.startsWith('.') ? line.slice(1) : line;
}
