/**
 * The neutral value tree FETCH data is rendered into; the response serialiser (plugins/imap/protocol)
 * writes it. Nothing here knows about the wire form.
 *
 * - `null` is NIL;
 * - a number is written as a number;
 * - a plain string is an IMAP string: the serialiser picks quoted or literal form;
 * - `{ atom }` is written as it is (`BODY[HEADER]`, a flag);
 * - `{ literal, size }` is always a literal of exactly `size` octets, from a Buffer or a stream that
 *   yields exactly `size` octets (message text, streamed from the blob store);
 * - an array is a parenthesised list, its items separated by one SP;
 * - `{ run }` is its items written back to back, with nothing between them and no
 *   parentheses, in place (spliced into the enclosing list). RFC 3501's grammar needs it where
 *   lists follow each other without SP: the addresses of an address list (`"(" 1*address ")"`)
 *   and the parts of a multipart body (`"(" 1*body SP media-subtype ...`), while other adjacent
 *   lists (the envelope's address fields, extension data) are separated by SP. Dovecot, Cyrus and
 *   the RFC examples write it so.
 */
export type ImapValue =
  | null
  | number
  | string
  | { atom: string }
  | { literal: Buffer | NodeJS.ReadableStream; size: number }
  | { run: ImapValue[] }
  | ImapValue[];

export type ImapLiteral = { literal: Buffer | NodeJS.ReadableStream; size: number };

export const NIL = null;

export function atom(text: string): { atom: string } {
  return { atom: text };
}

/** NIL for an absent value, else the string. */
export function nstring(value: string | undefined | null): ImapValue {
  return value === undefined || value === null ? null : value;
}

export function literalOf(bytes: Buffer): ImapLiteral {
  return { literal: bytes, size: bytes.length };
}
