/**
 * HEADER.FIELDS and HEADER.FIELDS.NOT (RFC 3501 §6.4.5): the fields of a header block whose names
 * are (or are not) in a list, in their order, each with its continuation lines, then the blank line
 * that ends a header. Names compare case-insensitively; a field's name is what precedes its colon,
 * trailing white space dropped. A line that is not a field (no colon) is not a wanted field.
 */
const LF = 0x0a;
const COLON = 0x3a;
const SP = 0x20;
const TAB = 0x09;
const CRLF = Buffer.from('\r\n');

export function filterHeaderFields(header: Buffer, names: readonly string[], not: boolean): Buffer {
  const wanted = new Set(names.map((name) => name.toLowerCase()));
  const out: Buffer[] = [];
  let keep = false;
  let pos = 0;
  while (pos < header.length) {
    const lf = header.indexOf(LF, pos);
    const next = lf === -1 ? header.length : lf + 1;
    const line = header.subarray(pos, next);
    pos = next;
    const content = line.length - (line[line.length - 1] === LF ? 1 : 0) - (line.at(-2) === 0x0d ? 1 : 0);
    if (content <= 0) break; // the blank line that ends the header
    if (line[0] !== SP && line[0] !== TAB) {
      const colon = line.indexOf(COLON);
      const name = colon < 0 ? undefined : line.toString('latin1', 0, colon).trimEnd().toLowerCase();
      keep = name !== undefined && wanted.has(name) !== not;
    }
    if (keep) out.push(line);
  }
  if (out.length > 0 && out.at(-1)!.at(-1) !== LF) out.push(CRLF);
  out.push(CRLF);
  return Buffer.concat(out);
}
