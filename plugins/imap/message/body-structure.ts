/**
 * FETCH BODY and BODYSTRUCTURE (RFC 3501 §7.4.2) from the MimeNode stored at delivery.
 *
 * A single part is `(type subtype params id description encoding size ...)`, text parts add their
 * line count, message/rfc822 parts the enclosed message's envelope, body structure and line count.
 * A multipart is its parts, then its subtype. BODYSTRUCTURE adds the extension data: for a single
 * part md5, disposition, language, location; for a multipart params, disposition, language,
 * location. BODY is the same without extension data (also for the parts inside it).
 *
 * Choices, checked against Dovecot 2.3 (test/integration/imap-dovecot-corpus.test.ts):
 * - a missing or unusable Content-Type is `text/plain; charset=us-ascii` (core/mime stores it so);
 *   a text part whose Content-Type has no charset gets `("charset" "us-ascii")` as Dovecot sends it;
 * - a missing Content-Transfer-Encoding is "7bit";
 * - type, subtype and encoding are as stored (lower-cased by core/mime), parameter values as in the
 *   header, parameter names lower-cased;
 * - an RFC 2231 parameter that core/mime decoded to non-ASCII text is sent encoded again as
 *   `name*` = `utf-8''%XX...` (IMAP4rev1 strings are ASCII; Dovecot sends the raw `name*` form);
 * - Content-Language is a list of tags (one tag is a one-element list);
 * - sizes follow octets.ts (bare LFs count as CRLF), and so do line counts (line breaks counted,
 *   as Dovecot does; pass the measure from measureOctets).
 */
import type { MimeNode } from '../../../core/index.js';
import { renderEnvelope } from './envelope.js';
import { AS_STORED, type OctetMeasure } from './octets.js';
import type { ImapValue } from './values.js';

export interface BodyStructureOptions {
  /** BODYSTRUCTURE (true) or BODY (false). */
  extended: boolean;
  /** Wire sizes and line counts (measureOctets); AS_STORED by default (octets.ts). */
  measure?: OctetMeasure;
}

export function renderBodyStructure(mime: MimeNode, options: BodyStructureOptions): ImapValue {
  return renderPart(mime, options.extended, options.measure ?? AS_STORED);
}

function isMultipart(node: MimeNode): boolean {
  return node.contentType.startsWith('multipart/') && (node.children?.length ?? 0) > 0;
}

function isEncapsulated(node: MimeNode): boolean {
  return (
    (node.contentType === 'message/rfc822' || node.contentType === 'message/global') &&
    node.children?.length === 1
  );
}

function splitType(contentType: string): [string, string] {
  const slash = contentType.indexOf('/');
  return slash < 0 ? [contentType, ''] : [contentType.slice(0, slash), contentType.slice(slash + 1)];
}

function renderPart(node: MimeNode, extended: boolean, measure: OctetMeasure): ImapValue {
  const [type, subtype] = splitType(node.contentType);
  if (isMultipart(node)) {
    const parts = node.children!.map((child) => renderPart(child, extended, measure));
    const result: ImapValue[] = [{ run: parts }, subtype];
    if (extended)
      result.push(renderParams(node.params, false), renderDisposition(node), renderLanguage(node), loc(node));
    return result;
  }
  const result: ImapValue[] = [
    type,
    subtype,
    renderParams(node.params, type === 'text'),
    node.id ?? null,
    node.description ?? null,
    node.encoding ?? '7bit',
    measure.size(node.bodyStart, node.end),
  ];
  if (isEncapsulated(node)) {
    const enclosed = node.children![0]!;
    result.push(
      renderEnvelope(node.envelope ?? {}),
      renderPart(enclosed, extended, measure),
      measure.lines(node),
    );
  } else if (type === 'text') result.push(measure.lines(node));
  if (extended) result.push(node.md5 ?? null, renderDisposition(node), renderLanguage(node), loc(node));
  return result;
}

function loc(node: MimeNode): ImapValue {
  return node.location ?? null;
}

/** `("name" "value" ...)`, or NIL when there are none. */
function renderParams(params: Record<string, string>, text: boolean): ImapValue {
  const list: ImapValue[] = [];
  let charset = false;
  for (const [name, value] of Object.entries(params)) {
    const lower = name.toLowerCase();
    if (lower === 'charset') charset = true;
    if (/^[\x20-\x7e]*$/.test(value)) list.push(lower, value);
    else list.push(`${lower}*`, `utf-8''${encodeRfc2231(value)}`);
  }
  if (text && !charset) list.push('charset', 'us-ascii');
  return list.length === 0 ? null : list;
}

/** RFC 2231 §4 value-chars: attribute-char as is, every other octet of the UTF-8 form as %XX. */
function encodeRfc2231(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out +=
      byte > 0x20 && byte < 0x7f && !'*\'%()<>@,;:\\"/[]?='.includes(ch)
        ? ch
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function renderDisposition(node: MimeNode): ImapValue {
  if (!node.disposition) return null;
  return [node.disposition.type, renderParams(node.disposition.params, false)];
}

function renderLanguage(node: MimeNode): ImapValue {
  return node.language && node.language.length > 0 ? [...node.language] : null;
}
