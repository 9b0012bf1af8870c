/**
 * FETCH BODY[section]<partial> (RFC 3501 §6.4.5, §7.4.2) as a literal streamed from the stored body.
 *
 * Every section but HEADER.FIELDS(.NOT) is a byte range of the stored body (section.ts): it is
 * opened as that range and streamed, never held in memory; with a partial, only the window is
 * read. HEADER.FIELDS reads the header range (small) and keeps the matching fields.
 *
 * Line endings follow octets.ts: a clean body goes out as stored; a body with bare LFs goes out
 * with CRLF, sizes and partial windows counted on the converted octets.
 */
import type { Readable } from 'node:stream';
import type { MimeNode } from '../../../core/index.js';
import { filterHeaderFields } from './header-fields.js';
import { AS_STORED, CrlfTransform, WindowTransform, type OctetMeasure, type OpenRange } from './octets.js';
import { planSection, type PartialRange, type SectionSpec } from './section.js';
import type { ImapLiteral } from './values.js';

export interface SectionSource {
  /** Opens a byte range of the stored body. */
  open: OpenRange;
  /** From measureOctets; AS_STORED by default, which is right for clean bodies only. */
  measure?: OctetMeasure;
}

const EMPTY = Buffer.alloc(0);

/**
 * The literal a BODY[section]<partial> fetch sends. A section that names no part (`BODY[9]` of a
 * two-part message, `1.HEADER` of a part that is no message) is an empty literal, as Dovecot sends
 * it (RFC 3501 says nothing about it). A partial window past the end is empty too (RFC 3501).
 */
export async function renderSection(
  mime: MimeNode,
  spec: SectionSpec,
  partial: PartialRange | undefined,
  source: SectionSource,
): Promise<ImapLiteral> {
  const plan = planSection(mime, spec);
  if (!plan) return { literal: EMPTY, size: 0 };
  const measure = source.measure ?? AS_STORED;
  if (plan.kind === 'fields') {
    const header = await readAll(await openWire(source.open, measure, plan.start, plan.end));
    const bytes = window(filterHeaderFields(header, plan.fields, plan.not), partial);
    return { literal: bytes, size: bytes.length };
  }
  const total = measure.size(plan.start, plan.end);
  const origin = Math.min(partial?.origin ?? 0, total);
  const size = Math.min(total - origin, partial?.count ?? Infinity);
  if (size === 0) return { literal: EMPTY, size: 0 };
  if (!measure.convert)
    return {
      literal: await source.open({ start: plan.start + origin, end: plan.start + origin + size }),
      size,
    };
  const converted = await openWire(source.open, measure, plan.start, plan.end);
  if (!partial) return { literal: converted, size };
  return { literal: converted.pipe(new WindowTransform(origin, size)), size };
}

/** The stored range as it goes on the wire. */
async function openWire(
  open: OpenRange,
  measure: OctetMeasure,
  start: number,
  end: number,
): Promise<Readable> {
  const raw = await open({ start, end });
  return measure.convert ? raw.pipe(new CrlfTransform()) : raw;
}

function window(bytes: Buffer, partial: PartialRange | undefined): Buffer {
  if (!partial) return bytes;
  const origin = Math.min(partial.origin, bytes.length);
  return bytes.subarray(origin, Math.min(bytes.length, origin + partial.count));
}

async function readAll(source: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of source) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
