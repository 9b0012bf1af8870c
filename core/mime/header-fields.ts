import { isUtf8 } from 'node:buffer';
import libmime from 'libmime';
import { capParams, capValue, MAX_PARAMS } from '../model/mime-limits.js';
import type { Envelope, MimeNode } from '../model/mime.js';

/** The fields a MIME header block contributes to a MimeNode (offsets and children are the scanner's). */
export type MimeFields = Pick<
  MimeNode,
  | 'contentType'
  | 'params'
  | 'disposition'
  | 'id'
  | 'description'
  | 'encoding'
  | 'language'
  | 'location'
  | 'md5'
>;

/** Lower-cased field name -> first occurrence's value, unfolded and trimmed, not decoded. */
export type HeaderFields = ReadonlyMap<string, string>;

const WANTED = new Set([
  'content-type',
  'content-disposition',
  'content-id',
  'content-description',
  'content-transfer-encoding',
  'content-language',
  'content-location',
  'content-md5',
  'date',
  'subject',
  'from',
  'sender',
  'reply-to',
  'to',
  'cc',
  'bcc',
  'in-reply-to',
  'message-id',
]);

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const TAB = 0x09;
const COLON = 0x3a;

/**
 * Splits a raw header block into fields. Only the fields a MimeNode or an Envelope needs are kept,
 * so a header of thousands of Received lines costs no memory beyond the raw block itself.
 * Lines without a colon (mbox "From " lines, garbage, a delimiter line) are skipped, never fatal.
 */
export function parseHeaderBlock(raw: Buffer): HeaderFields {
  const fields = new Map<string, string>();
  let pending: Buffer[] = [];
  const flush = (): void => {
    if (pending.length === 0) return;
    const field = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
    pending = [];
    const colon = field.indexOf(COLON);
    if (colon <= 0) return;
    const name = field.toString('latin1', 0, colon).trim().toLowerCase();
    if (!WANTED.has(name) || fields.has(name)) return;
    fields.set(name, decodeText(field.subarray(colon + 1)).trim());
  };

  let pos = 0;
  while (pos < raw.length) {
    const lf = raw.indexOf(LF, pos);
    const next = lf === -1 ? raw.length : lf + 1;
    let stop = lf === -1 ? raw.length : lf;
    if (stop > pos && raw[stop - 1] === CR) stop--;
    const line = raw.subarray(pos, stop);
    pos = next;
    if (line.length === 0) break; // the blank line that ends the header
    // RFC 5322 unfolding: a line starting with WSP continues the field; only the line break goes.
    if (line[0] === SP || line[0] === TAB) {
      if (pending.length > 0) pending.push(line);
      continue;
    }
    flush();
    pending.push(line);
  }
  flush();
  return fields;
}

/**
 * What a message's top-level header says about its path: how many `Received:` fields it has (the
 * hops it made, RFC 5321 §6.3) and whether a `Return-Path:` is already there (the final delivery
 * writes one, §4.4).
 */
export interface TraceFields {
  received: number;
  returnPath: boolean;
}

/** The trace fields of a raw header block (continuation lines start with WSP, so never match). */
export function readTraceFields(raw: Buffer): TraceFields {
  const text = raw.toString('latin1');
  return { received: text.match(/^Received:/gim)?.length ?? 0, returnPath: /^Return-Path:/im.test(text) };
}

/** Header bytes are UTF-8 when valid (RFC 6532), otherwise taken byte for byte. */
function decodeText(bytes: Buffer): string {
  return isUtf8(bytes) ? bytes.toString('utf8') : bytes.toString('latin1');
}

/**
 * Parses a structured value; libmime joins and decodes RFC 2231 parameters (`name*0*=utf-8''...`).
 * What is kept is capped (mime-limits.ts).
 */
function parseStructured(value: string): { value: string; params: Record<string, string> } {
  try {
    const parsed = libmime.parseHeaderValue(value, { stripComments: true });
    return { value: capValue(parsed.value.trim().toLowerCase()), params: capParams(parsed.params) };
  } catch {
    return { value: '', params: {} };
  }
}

const MEDIA_TYPE = /^[^\s/]+\/[^\s/]+$/;

/**
 * The MIME fields of one part. `defaultType` is `text/plain`, or `message/rfc822` inside a
 * multipart/digest (RFC 2046 §5.1.5). A missing or unusable Content-Type gets the RFC 2045 §5.2
 * default, `text/plain; charset=us-ascii`.
 */
export function readMimeFields(fields: HeaderFields, defaultType: string): MimeFields {
  const declared = fields.get('content-type');
  const parsed = declared === undefined ? undefined : parseStructured(declared);
  let contentType: string;
  let params: Record<string, string>;
  if (parsed && MEDIA_TYPE.test(parsed.value)) {
    contentType = parsed.value;
    params = parsed.params;
  } else if (parsed || defaultType === 'text/plain') {
    contentType = 'text/plain';
    params = { charset: 'us-ascii', ...parsed?.params };
  } else {
    contentType = defaultType;
    params = {};
  }

  const result: MimeFields = { contentType, params };
  const disposition = fields.get('content-disposition');
  if (disposition !== undefined) {
    const d = parseStructured(disposition);
    if (d.value) result.disposition = { type: d.value, params: d.params };
  }
  const encoding = fields.get('content-transfer-encoding')?.toLowerCase();
  if (encoding) result.encoding = capValue(encoding);
  const language = fields
    .get('content-language')
    ?.split(',')
    .map((tag) => capValue(tag.trim()))
    .filter((tag) => tag.length > 0)
    .slice(0, MAX_PARAMS);
  if (language && language.length > 0) result.language = language;
  setIfPresent(result, 'id', fields.get('content-id'));
  setIfPresent(result, 'description', fields.get('content-description'));
  setIfPresent(result, 'location', fields.get('content-location'));
  setIfPresent(result, 'md5', fields.get('content-md5'));
  return result;
}

function setIfPresent(
  target: MimeFields,
  key: 'id' | 'description' | 'location' | 'md5',
  value: string | undefined,
): void {
  if (value) target[key] = capValue(value);
}

const ENVELOPE_FIELDS: ReadonlyArray<[keyof Envelope, string]> = [
  ['date', 'date'],
  ['subject', 'subject'],
  ['from', 'from'],
  ['sender', 'sender'],
  ['replyTo', 'reply-to'],
  ['to', 'to'],
  ['cc', 'cc'],
  ['bcc', 'bcc'],
  ['inReplyTo', 'in-reply-to'],
  ['messageId', 'message-id'],
];

/** The IMAP ENVELOPE fields of a message header, raw values (an empty field counts as absent). */
export function readEnvelope(fields: HeaderFields): Envelope {
  const envelope: Envelope = {};
  for (const [key, name] of ENVELOPE_FIELDS) {
    const value = fields.get(name);
    if (value) envelope[key] = capValue(value);
  }
  return envelope;
}
