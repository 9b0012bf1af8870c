/**
 * BODY[section] addressing (RFC 3501 §6.4.5): which bytes of the stored body a section names,
 * worked out from the MimeNode alone.
 *
 * Part numbers: the parts of a multipart are numbered from 1; a non-multipart message (or the
 * message inside a message/rfc822 part) has one part, 1, its body. The parts of a message/rfc822
 * part `p` are those of the message it encloses (`p.1`, ...), and `p.HEADER`, `p.TEXT`,
 * `p.HEADER.FIELDS` name that message's header and body. `p.MIME` is the MIME header of part `p`.
 *
 * A section resolves to a byte range of the stored body, or to a header range to filter by field
 * name (HEADER.FIELDS, HEADER.FIELDS.NOT), or to nothing when the part does not exist.
 */
import type { MimeNode } from '../../../core/index.js';

export type SectionText = 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME';

export interface SectionSpec {
  /** Part number, `[]` for the message itself (`BODY[]`, `BODY[HEADER]`). */
  part: number[];
  text?: SectionText;
  /** Field names of HEADER.FIELDS and HEADER.FIELDS.NOT. */
  fields?: string[];
}

export interface PartialRange {
  origin: number;
  count: number;
}

export type SectionPlan =
  | { kind: 'range'; start: number; end: number }
  | { kind: 'fields'; start: number; end: number; fields: string[]; not: boolean };

const TEXTS = new Set<string>(['HEADER', 'HEADER.FIELDS', 'HEADER.FIELDS.NOT', 'TEXT', 'MIME']);

/**
 * The section between the brackets, as a client writes it: `''`, `HEADER`, `1.2`, `2.MIME`,
 * `1.HEADER.FIELDS (From To)`. Undefined when it is not a valid section. (Field names may be
 * atoms or quoted strings; the protocol parser may build a SectionSpec itself instead.)
 */
export function parseSection(text: string): SectionSpec | undefined {
  const match = /^((?:[1-9][0-9]*)(?:\.[1-9][0-9]*)*)?(?:(?:^|\.)([A-Za-z.]+))?(?:\s+\((.*)\))?$/s.exec(
    text.trim(),
  );
  if (!match) return undefined;
  const [, numbers, keyword, list] = match;
  const part = numbers ? numbers.split('.').map(Number) : [];
  if (part.some((n) => !Number.isSafeInteger(n))) return undefined;
  const spec: SectionSpec = { part };
  if (keyword !== undefined) {
    const upper = keyword.toUpperCase();
    if (!TEXTS.has(upper)) return undefined;
    if (upper === 'MIME' && part.length === 0) return undefined;
    spec.text = upper as SectionText;
  }
  const wantsFields = spec.text === 'HEADER.FIELDS' || spec.text === 'HEADER.FIELDS.NOT';
  if (wantsFields !== (list !== undefined)) return undefined;
  if (list !== undefined) {
    const fields = [...list.matchAll(/"((?:[^"\\]|\\.)*)"|([^\s"()]+)/g)].map((m) =>
      m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!,
    );
    if (fields.length === 0) return undefined;
    spec.fields = fields;
  }
  return spec;
}

/** The section as a FETCH response names it: `1.HEADER.FIELDS (FROM TO)`. */
export function formatSection(spec: SectionSpec): string {
  const parts = spec.part.map(String);
  if (spec.text) parts.push(spec.text);
  let text = parts.join('.');
  if (spec.fields) text += ` (${spec.fields.map((f) => f.toUpperCase()).join(' ')})`;
  return text;
}

function isMultipart(node: MimeNode): boolean {
  return node.contentType.startsWith('multipart/') && (node.children?.length ?? 0) > 0;
}

/** The message a message/rfc822 part encloses, if core/mime looked into it. */
function enclosedMessage(node: MimeNode): MimeNode | undefined {
  return (node.contentType === 'message/rfc822' || node.contentType === 'message/global') &&
    node.children?.length === 1
    ? node.children[0]
    : undefined;
}

/** The numbered parts of a message: a multipart's parts, else the message itself as part 1. */
function partsOfMessage(message: MimeNode): MimeNode[] {
  return isMultipart(message) ? message.children! : [message];
}

/** The numbered sub-parts of part `node` (`p.1`, `p.2`, ...). */
function subParts(node: MimeNode): MimeNode[] {
  if (isMultipart(node)) return node.children!;
  const message = enclosedMessage(node);
  return message ? partsOfMessage(message) : [];
}

/** The part a part number names, undefined when there is none. */
export function findPart(root: MimeNode, part: number[]): MimeNode | undefined {
  let node: MimeNode | undefined;
  for (const [i, n] of part.entries()) {
    const parts = i === 0 ? partsOfMessage(root) : subParts(node!);
    node = parts[n - 1];
    if (!node) return undefined;
  }
  return node;
}

/** What bytes a section names, or undefined when the part does not exist or has no such section. */
export function planSection(root: MimeNode, spec: SectionSpec): SectionPlan | undefined {
  let message: MimeNode | undefined = root;
  let node: MimeNode | undefined;
  if (spec.part.length > 0) {
    node = findPart(root, spec.part);
    if (!node) return undefined;
    message = enclosedMessage(node);
  }
  const range = (start: number, end: number): SectionPlan => ({ kind: 'range', start, end });
  switch (spec.text) {
    case undefined:
      // The whole message, or a part's body (for message/rfc822: the enclosed message).
      return node ? range(node.bodyStart, node.end) : range(root.headerStart, root.end);
    case 'MIME':
      return range(node!.headerStart, node!.bodyStart);
    case 'HEADER':
      return message && range(message.headerStart, message.bodyStart);
    case 'TEXT':
      return message && range(message.bodyStart, message.end);
    case 'HEADER.FIELDS':
    case 'HEADER.FIELDS.NOT':
      return (
        message && {
          kind: 'fields',
          start: message.headerStart,
          end: message.bodyStart,
          fields: spec.fields ?? [],
          not: spec.text === 'HEADER.FIELDS.NOT',
        }
      );
  }
}
