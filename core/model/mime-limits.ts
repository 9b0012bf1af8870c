/**
 * What is kept of a message's MIME structure, whatever its header says. The structure is stored
 * with every body and handed to IMAP clients, so a hostile part (a 1 MB parameter, thousands of
 * them) must not make the stored metadata grow past what any client needs. Parts and nesting are
 * bounded where the structure is read (core/mime: MAX_PARTS, MAX_DEPTH); these bound each
 * part. They are applied when the structure is read and again by the storage adapters when they
 * keep it.
 */
import type { Envelope, MimeNode } from './mime.js';

/** Parameters kept per Content-Type or Content-Disposition (Dovecot-like; real mail has a handful). */
export const MAX_PARAMS = 100;
/** Characters kept of a parameter name or value, a MIME field or an envelope field. */
export const MAX_VALUE_LENGTH = 8 * 1024;

/** The structure of one body, as a store keeps it: shared by every message stored from that body. */
export interface MessageStructure {
  mime: MimeNode;
  envelope: Envelope;
}

/** `text` cut to MAX_VALUE_LENGTH characters, never between the two halves of a surrogate pair. */
export function capValue(text: string): string {
  if (text.length <= MAX_VALUE_LENGTH) return text;
  const cut = /[\uD800-\uDBFF]/.test(text[MAX_VALUE_LENGTH - 1]) ? MAX_VALUE_LENGTH - 1 : MAX_VALUE_LENGTH;
  return text.slice(0, cut);
}

/** The first MAX_PARAMS parameters, names and values capped. */
export function capParams(params: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(params)
      .slice(0, MAX_PARAMS)
      .map(([name, value]) => [capValue(name), capValue(value)]),
  );
}

export function capEnvelope(envelope: Envelope): Envelope {
  return Object.fromEntries(
    Object.entries(envelope).map(([field, value]) => [field, capValue(value as string)]),
  ) as Envelope;
}

/** The structure with every part and envelope capped (unchanged when it is within the limits). */
export function capStructure(structure: MessageStructure): MessageStructure {
  return { mime: capNode(structure.mime), envelope: capEnvelope(structure.envelope) };
}

function capNode(node: MimeNode): MimeNode {
  const capped: MimeNode = {
    ...node,
    contentType: capValue(node.contentType),
    params: capParams(node.params),
  };
  if (node.disposition)
    capped.disposition = {
      type: capValue(node.disposition.type),
      params: capParams(node.disposition.params),
    };
  for (const field of ['id', 'description', 'encoding', 'location', 'md5'] as const) {
    const value = node[field];
    if (value !== undefined) capped[field] = capValue(value);
  }
  if (node.language) capped.language = node.language.slice(0, MAX_PARAMS).map(capValue);
  if (node.envelope) capped.envelope = capEnvelope(node.envelope);
  if (node.children) capped.children = node.children.map(capNode);
  return capped;
}
