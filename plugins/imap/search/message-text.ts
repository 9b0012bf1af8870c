/**
 * Reading what a search needs from a stored body, streamed from the blob store: the header fields
 * (HEADER, TEXT, THREAD's References) and the decoded text of the text parts (BODY, TEXT). Nothing
 * is kept beyond one header field or one chunk of text, and nothing outlives the command.
 */
import { isUtf8 } from 'node:buffer';
import type { Readable } from 'node:stream';
import { TextDecoder } from 'node:util';
import libmime from 'libmime';
import type { BlobStore, MessageMeta, MimeNode } from '../../../core/index.js';
import type { StreamMatcher } from './text-match.js';
import { transferDecoder } from './transfer-decoding.js';

/** Bytes kept of one header field (its name, value and folds); the rest of a longer one is dropped. */
export const MAX_FIELD_BYTES = 64 * 1024;

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const TAB = 0x09;
const COLON = 0x3a;

/**
 * A header value as people read it: bytes as UTF-8 when valid (RFC 6532) or Latin-1, folds
 * unfolded, RFC 2047 encoded words decoded, tabs as spaces.
 */
export function decodeHeaderValue(value: string): string {
  const unfolded = value.replace(/\r?\n(?=[ \t])/g, '').replace(/\t/g, ' ');
  try {
    return libmime.decodeWords(unfolded);
  } catch {
    return unfolded;
  }
}

/** One header field as found: lower-cased name, raw value (unfolded, not decoded). */
export interface HeaderField {
  readonly name: string;
  readonly value: string;
}

/**
 * Calls `visit` with each field of the message's top-level header, in order, streaming the header
 * bytes; `visit` returns true to stop reading.
 */
export async function forEachHeaderField(
  blobs: BlobStore,
  message: MessageMeta,
  visit: (field: HeaderField) => boolean | void,
): Promise<void> {
  const { headerStart, bodyStart } = message.mime;
  if (bodyStart <= headerStart) return;
  const stream = await blobs.openBlob(message.blobId, { start: headerStart, end: bodyStart });
  const lines = new FieldSplitter(visit);
  try {
    for await (const chunk of stream) {
      if (lines.write(chunk as Buffer)) return;
    }
    lines.end();
  } finally {
    stream.destroy();
  }
}

/** Cuts header bytes into fields, continuation lines joined, each field capped at MAX_FIELD_BYTES. */
class FieldSplitter {
  private field: Buffer[] = [];
  private fieldBytes = 0;
  private line: Buffer[] = [];
  private lineBytes = 0;
  private stopped = false;

  constructor(private readonly visit: (field: HeaderField) => boolean | void) {}

  /** True once the visitor said stop, or the header's blank line was reached. */
  write(chunk: Buffer): boolean {
    let at = 0;
    while (at < chunk.length && !this.stopped) {
      const lf = chunk.indexOf(LF, at);
      const stop = lf < 0 ? chunk.length : lf;
      this.take(chunk.subarray(at, stop));
      at = stop;
      if (lf >= 0) {
        at++;
        this.endLine();
      }
    }
    return this.stopped;
  }

  end(): void {
    if (this.lineBytes > 0) this.endLine();
    this.flush();
  }

  private take(bytes: Buffer): void {
    const room = MAX_FIELD_BYTES - this.lineBytes;
    if (room <= 0 || bytes.length === 0) return;
    const kept = bytes.length > room ? bytes.subarray(0, room) : bytes;
    this.line.push(Buffer.from(kept));
    this.lineBytes += kept.length;
  }

  private endLine(): void {
    let line = Buffer.concat(this.line);
    this.line = [];
    this.lineBytes = 0;
    if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, -1);
    if (line.length === 0) {
      this.flush();
      this.stopped = true;
      return;
    }
    if (line[0] === SP || line[0] === TAB) {
      if (this.field.length === 0) return;
      const room = MAX_FIELD_BYTES - this.fieldBytes;
      if (room > 0) {
        this.field.push(Buffer.from('\n'), line.subarray(0, room));
        this.fieldBytes += Math.min(room, line.length) + 1;
      }
      return;
    }
    this.flush();
    if (this.stopped) return;
    this.field = [line];
    this.fieldBytes = line.length;
  }

  private flush(): void {
    if (this.field.length === 0) return;
    const bytes = Buffer.concat(this.field);
    this.field = [];
    this.fieldBytes = 0;
    const colon = bytes.indexOf(COLON);
    if (colon <= 0) return;
    const name = bytes.toString('latin1', 0, colon).trim().toLowerCase();
    const raw = bytes.subarray(colon + 1);
    const value = (isUtf8(raw) ? raw.toString('utf8') : raw.toString('latin1')).trim();
    if (this.visit({ name, value })) this.stopped = true;
  }
}

/** The leaves of the structure a text search reads: text/* parts, in order. */
export function textParts(node: MimeNode): MimeNode[] {
  if (node.children && node.children.length > 0) return node.children.flatMap(textParts);
  return node.contentType.startsWith('text/') ? [node] : [];
}

/**
 * Pushes the decoded text of each text part of the message into `matcher` (transfer encoding
 * undone, charset converted), stopping as soon as the matcher has found everything.
 */
export async function scanBodyText(
  blobs: BlobStore,
  message: MessageMeta,
  matcher: StreamMatcher,
): Promise<void> {
  for (const part of textParts(message.mime)) {
    if (matcher.done) return;
    if (part.end <= part.bodyStart) continue;
    matcher.reset();
    const stream = await blobs.openBlob(message.blobId, { start: part.bodyStart, end: part.end });
    await scanPart(stream, part, matcher);
  }
}

async function scanPart(stream: Readable, part: MimeNode, matcher: StreamMatcher): Promise<void> {
  const bytes = transferDecoder(part.encoding);
  const text = charsetDecoder(part.params.charset);
  try {
    for await (const chunk of stream) {
      matcher.push(text.decode(bytes.write(chunk as Buffer), { stream: true }));
      if (matcher.done) return;
    }
    matcher.push(text.decode(bytes.end(), { stream: true }));
    matcher.push(text.decode());
  } finally {
    stream.destroy();
  }
}

/**
 * A streaming decoder for a part's charset (the WHATWG decoders Node ships; libmime's name
 * normalisation for labels they do not know, e.g. `ISO-8859-8-I`); US-ASCII, a missing charset
 * and unknown ones read as UTF-8, which also gives mislabelled 8-bit UTF-8 text its characters.
 */
export function charsetDecoder(charset: string | undefined): TextDecoder {
  const label = charset?.trim().toLowerCase();
  if (!label || label === 'us-ascii' || label === 'ascii') return new TextDecoder('utf-8');
  for (const candidate of [label, libmime.normalizeCharset(label)]) {
    try {
      return new TextDecoder(candidate);
    } catch {
      // Not a label the WHATWG decoders know: try the next spelling.
    }
  }
  return new TextDecoder('utf-8');
}
