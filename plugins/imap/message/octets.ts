/**
 * Line endings: what a stored body's byte ranges weigh on the wire.
 *
 * IMAP message text has CRLF line endings, and a FETCH literal announces its size before the
 * octets. Bodies arrive by SMTP with CRLF and are stored as received, so almost every stored body
 * is already what IMAP sends: its byte ranges are sent as they are and their sizes are offsets.
 * A body may still have bare LFs (a local injection, an import, a lenient SMTP client). Such a body
 * is sent with each bare LF turned into CRLF, as Dovecot sends it, and every size that describes
 * it (RFC822.SIZE, BODYSTRUCTURE part sizes, BODY[...] literals and their partial windows) counts
 * the converted octets, so they all agree with what BODY[...] returns. Nothing is added at the end:
 * a body whose last line has no line break is sent without one (Dovecot does the same; POP3's
 * `crlfSize` adds one, so it is not the IMAP size).
 *
 * A body is known to be clean when the structure says so: `crlfSize` (recorded at delivery) equal
 * to the stored size means no bare LF and a final line break. Any other body, or one stored before
 * `crlfSize` was recorded, is measured by `measureOctets`: one streaming pass that counts bare LFs
 * up to every part boundary (no MIME parsing, constant memory). The caller may keep the result
 * (per blob: bodies never change) to spare later FETCHes the pass.
 *
 * Lone CRs are sent as they are and count one octet.
 */
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import type { MimeNode } from '../../../core/index.js';

/** Reads bytes [start, end) of a stored body, streaming (BlobStore.openBlob bound to one blob). */
export type OpenRange = (range: { start: number; end: number }) => Promise<Readable>;

/**
 * What FETCH needs to know of a stored body beyond its MimeNode: the wire size of its ranges and
 * the line counts BODYSTRUCTURE sends.
 */
export interface OctetMeasure {
  /** True when bare LFs must be turned into CRLF on the way out. */
  readonly convert: boolean;
  /** Octets the stored range [start, end) takes on the wire; start and end are part boundaries. */
  size(start: number, end: number): number;
  /** The body-fld-lines of a text or message/rfc822 part (see `measureOctets`). */
  lines(node: MimeNode): number;
}

/**
 * Sizes as stored and the line counts as stored (core/mime counts a last line without a line
 * break as a line). Right for sizes of clean bodies; for Dovecot's line counts use measureOctets.
 */
export const AS_STORED: OctetMeasure = {
  convert: false,
  size: (start, end) => end - start,
  lines: (node) => node.lines,
};

/** True when the stored body is already what IMAP sends (see the module comment). */
export function isWireClean(mime: MimeNode): boolean {
  return mime.crlfSize === mime.end;
}

const LF = 0x0a;
const CR = 0x0d;
/** Ranged reads measureOctets runs at once for the line counts of a clean body. */
const READ_CONCURRENCY = 8;

function allNodes(node: MimeNode, into: MimeNode[] = []): MimeNode[] {
  into.push(node);
  for (const child of node.children ?? []) allNodes(child, into);
  return into;
}

/** Parts whose BODYSTRUCTURE carries a line count and whose body is not empty. */
function countedParts(mime: MimeNode): MimeNode[] {
  return allNodes(mime).filter(
    (node) =>
      node.end > node.bodyStart &&
      (node.contentType.startsWith('text/') ||
        ((node.contentType === 'message/rfc822' || node.contentType === 'message/global') &&
          node.children?.length === 1)),
  );
}

/**
 * The measure of a stored body.
 *
 * Line counts: Dovecot (and the other servers clients are tested against) count the line breaks
 * of a part's body, so a body that ends without one (every part followed by a delimiter whose line
 * break RFC 2046 gives to the delimiter, unless the part ends with an empty line) has one line
 * fewer than core/mime's count, which also counts a last line without a line break. Which it is
 * depends on the last byte of the body, so that byte is read: one 1-octet ranged read per text or
 * message/rfc822 part of a clean body; for a body with bare LFs, the same pass that counts them.
 *
 * Sizes: a clean body (isWireClean) is measured by its offsets; any other body by one streaming
 * pass counting bare LFs up to every part boundary (no MIME parsing, constant memory).
 *
 * The result depends only on the body, so a caller may keep it per blob.
 */
export async function measureOctets(mime: MimeNode, open: OpenRange): Promise<OctetMeasure> {
  const counted = countedParts(mime);
  if (isWireClean(mime)) {
    const lastByte = new Map<number, number>();
    const ends = [...new Set(counted.map((node) => node.end))];
    for (let i = 0; i < ends.length; i += READ_CONCURRENCY)
      await Promise.all(
        ends.slice(i, i + READ_CONCURRENCY).map(async (end) => {
          for await (const chunk of await open({ start: end - 1, end })) {
            if ((chunk as Buffer).length > 0) lastByte.set(end, (chunk as Buffer)[0]!);
          }
        }),
      );
    return { ...AS_STORED, lines: (node) => dovecotLines(node, lastByte.get(node.end)) };
  }
  return scanBody(mime, open);
}

function dovecotLines(node: MimeNode, lastByte: number | undefined): number {
  if (node.end <= node.bodyStart || lastByte === undefined || lastByte === LF) return node.lines;
  return Math.max(0, node.lines - 1);
}

/** Every offset a section or a BODYSTRUCTURE size can start or end at. */
function boundaries(mime: MimeNode): number[] {
  const points = new Set<number>();
  for (const node of allNodes(mime)) points.add(node.headerStart).add(node.bodyStart).add(node.end);
  return [...points].sort((a, b) => a - b);
}

/** One pass over a body with bare LFs: bare LFs before every boundary, and the byte before it. */
async function scanBody(mime: MimeNode, open: OpenRange): Promise<OctetMeasure> {
  const points = boundaries(mime);
  const bareBefore = new Map<number, number>();
  const byteBefore = new Map<number, number>();
  let next = 0;
  let offset = 0;
  let bare = 0;
  let previous = -1;
  const record = (chunk: Buffer, upTo: number): void => {
    // every point p in (offset, offset + upTo]: bare LFs in [0, p) are those counted so far
    while (next < points.length && points[next]! <= offset + upTo) {
      const point = points[next++]!;
      bareBefore.set(point, bare);
      const at = point - 1 - offset;
      byteBefore.set(point, at >= 0 ? chunk[at]! : previous);
    }
  };
  for await (const data of await open({ start: 0, end: mime.end })) {
    const chunk = data as Buffer;
    let pos = 0;
    for (;;) {
      const lf = chunk.indexOf(LF, pos);
      record(chunk, lf === -1 ? chunk.length : lf);
      if (lf === -1) break;
      if ((lf > 0 ? chunk[lf - 1] : previous) !== CR) bare++;
      pos = lf + 1;
    }
    if (chunk.length > 0) previous = chunk[chunk.length - 1]!;
    offset += chunk.length;
  }
  record(Buffer.alloc(0), 0);
  return {
    convert: bare > 0,
    size: (start, end) => end - start + (bareBefore.get(end) ?? bare) - (bareBefore.get(start) ?? 0),
    lines: (node) => dovecotLines(node, byteBefore.get(node.end)),
  };
}

/** Turns each bare LF into CRLF; the first byte is taken as the start of the range (no CR before it). */
export class CrlfTransform extends Transform {
  private previous = -1;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const out: Buffer[] = [];
    let copied = 0;
    let pos = 0;
    for (;;) {
      const lf = chunk.indexOf(LF, pos);
      if (lf === -1) break;
      const before = lf > 0 ? chunk[lf - 1] : this.previous;
      if (before !== CR) {
        out.push(chunk.subarray(copied, lf), CRLF);
        copied = lf + 1;
      }
      pos = lf + 1;
    }
    if (chunk.length > 0) this.previous = chunk[chunk.length - 1]!;
    if (copied === 0) return callback(null, chunk);
    out.push(chunk.subarray(copied));
    callback(null, Buffer.concat(out));
  }
}

const CRLF = Buffer.from('\r\n');

/** Passes octets [origin, origin + count) of what goes through, then ends. */
export class WindowTransform extends Transform {
  private seen = 0;

  constructor(
    private readonly origin: number,
    private readonly count: number,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const from = Math.max(0, this.origin - this.seen);
    const to = Math.min(chunk.length, this.origin + this.count - this.seen);
    this.seen += chunk.length;
    if (to > from) this.push(chunk.subarray(from, to));
    callback();
  }
}
