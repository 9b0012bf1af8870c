import type { Envelope, MimeNode } from '../model/mime.js';
import {
  parseHeaderBlock,
  readEnvelope,
  readMimeFields,
  readTraceFields,
  type TraceFields,
} from './header-fields.js';

/** What the scanner knows once the last byte has gone through. */
export interface MimeAnalysis {
  mime: MimeNode;
  /** Envelope of the top-level message. */
  envelope: Envelope;
  /** Octets seen; the offsets in `mime` index these same bytes. */
  size: number;
  /** Lines of the whole message: LF count, plus one for a last line without LF. */
  lines: number;
  /** Received and Return-Path fields of the top-level header. */
  trace: TraceFields;
}

/** Composite parts nested deeper than this are kept as opaque leaves. */
export const MAX_DEPTH = 50;
/** Parts per message; later delimiters are treated as content so a hostile body cannot grow the tree. */
export const MAX_PARTS = 10_000;
/** Header bytes kept per part; the rest of an oversized header is scanned but not parsed. */
export const MAX_HEADER_BYTES = 1024 * 1024;
/** Only this many leading bytes of a line are kept, so only shorter lines can be delimiters. */
const LINE_PROBE_BYTES = 1024;

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const TAB = 0x09;
const DASH = 0x2d;

/** The content type a part that cannot be split (too deep, no boundary, encoded message) is recorded as. */
const OPAQUE_TYPE = 'application/octet-stream';
const ENCAPSULATING = new Set(['message/rfc822', 'message/global']);
/** RFC 2046 §5.2.1: an encoded message/rfc822 body is not a message we can look into. */
const IDENTITY_ENCODINGS = new Set(['7bit', '8bit', 'binary']);

/** One part being scanned; the stack of open frames mirrors the nesting at the current byte. */
interface Frame {
  node: MimeNode;
  /** Composite ancestors of this part. */
  depth: number;
  defaultType: string;
  inHeader: boolean;
  header: Buffer[];
  headerSize: number;
  /** LF count before bodyStart, to count the body's lines when the part closes. */
  lfAtBodyStart: number;
  /** `--boundary` of a multipart whose delimiters we look for. */
  delimiter?: Buffer;
  inEpilogue: boolean;
  childCount: number;
  /** The message/rfc822 part whose enclosed message this frame is (gets this header's envelope). */
  encapsulatedBy?: MimeNode;
}

/** Where a part closes, with what the line count needs to know about the byte just before it. */
interface Close {
  end: number;
  lfBeforeEnd: number;
  /** The byte at end-1 is not an LF: the body ends in a partial line. */
  partialLastLine: boolean;
}

/**
 * A push parser for the MIME structure of a message: feed it the body bytes in chunks of any size
 * with `write`, then call `finish`. It looks at one line at a time and keeps only the first
 * LINE_PROBE_BYTES of a body line (enough to recognise a delimiter) and the header block of the
 * part whose header is being read, so memory does not grow with the size of the parts.
 *
 * Byte offsets follow RFC 2046: the line break before a delimiter line belongs to the delimiter, so
 * a part's `end` is where that line break starts. It never throws: whatever the input, the result
 * is a best-effort structure (at worst one text/plain node).
 *
 * Part numbers follow RFC 3501 §6.4.5. The root is `''`; children of a multipart numbered `p` are
 * `p.1`, `p.2`, ... (`1`, `2`, ... under the root). A message/rfc822 part numbered `p` has one
 * child, the enclosed message, which also carries `p` (`1` when the root itself is message/rfc822):
 * `p.HEADER` and `p.TEXT` are that child's header and body, and its own parts are `p.1`, `p.2`, ...
 * A node has `children` only if it was split: multipart/* (at least one part) and message/rfc822.
 */
export class MimeStructureScanner {
  private readonly stack: Frame[] = [];
  private readonly root: MimeNode;
  private offset = 0;
  private lfCount = 0;
  /** Line feeds without a CR before them: each costs one more octet when sent with CRLF endings. */
  private bareLfCount = 0;
  private lastByte = -1;
  private byteBeforeLast = -1;
  private partCount = 1;
  private envelope: Envelope = {};
  private trace: TraceFields = { received: 0, returnPath: false };
  private result?: MimeAnalysis;

  private lineStart = 0;
  private lineLength = 0;
  private readonly lineHead = Buffer.alloc(LINE_PROBE_BYTES + 2);
  private lineHeadLength = 0;
  /** Length of the previous line's line break (0 at the start), which a delimiter line takes over. */
  private previousEol = 0;
  private previousLineHasContent = false;

  constructor() {
    const rootFrame = this.newFrame('', 0, 0, 'text/plain');
    this.root = rootFrame.node;
    this.stack.push(rootFrame);
  }

  write(data: Uint8Array): void {
    if (this.result) return;
    // Buffer#indexOf is a native search; Uint8Array#indexOf is not.
    const chunk = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    let pos = 0;
    while (pos < chunk.length) {
      const lf = chunk.indexOf(LF, pos);
      const stop = lf === -1 ? chunk.length : lf + 1;
      this.take(chunk, pos, stop);
      pos = stop;
      if (lf !== -1) this.endLine(true);
    }
  }

  finish(): MimeAnalysis {
    if (this.result) return this.result;
    if (this.lineLength > 0) this.endLine(false);
    const close: Close = {
      end: this.offset,
      lfBeforeEnd: this.lfCount,
      partialLastLine: this.offset > 0 && this.lastByte !== LF,
    };
    this.closeFramesAbove(-1, close);
    // A last line without its LF gets a CRLF on the wire (only the LF when it ends with a CR).
    const missingEol = !close.partialLastLine ? 0 : this.lastByte === CR ? 1 : 2;
    this.root.crlfSize = this.offset + this.bareLfCount + missingEol;
    this.result = {
      mime: this.root,
      envelope: this.envelope,
      size: this.offset,
      lines: this.lfCount + (close.partialLastLine ? 1 : 0),
      trace: this.trace,
    };
    return this.result;
  }

  private newFrame(part: string, headerStart: number, depth: number, defaultType: string): Frame {
    const node: MimeNode = {
      part,
      contentType: defaultType,
      params: {},
      headerStart,
      bodyStart: headerStart,
      end: headerStart,
      lines: 0,
    };
    return {
      node,
      depth,
      defaultType,
      inHeader: true,
      header: [],
      headerSize: 0,
      lfAtBodyStart: 0,
      inEpilogue: false,
      childCount: 0,
    };
  }

  private get top(): Frame {
    return this.stack[this.stack.length - 1]!;
  }

  /** Accounts for bytes [from, to) of the current line, which ends at `to` or later. */
  private take(chunk: Buffer, from: number, to: number): void {
    const n = to - from;
    if (this.lineHeadLength < this.lineHead.length) {
      const copy = Math.min(n, this.lineHead.length - this.lineHeadLength);
      this.lineHead.set(chunk.subarray(from, from + copy), this.lineHeadLength);
      this.lineHeadLength += copy;
    }
    const frame = this.top;
    if (frame.inHeader && frame.headerSize < MAX_HEADER_BYTES) {
      const keep = Math.min(n, MAX_HEADER_BYTES - frame.headerSize);
      frame.header.push(Buffer.from(chunk.subarray(from, from + keep)));
      frame.headerSize += keep;
    }
    this.byteBeforeLast = n >= 2 ? chunk[to - 2]! : this.lastByte;
    this.lastByte = chunk[to - 1]!;
    this.lineLength += n;
    this.offset += n;
  }

  private endLine(hasLf: boolean): void {
    const eol = !hasLf ? 0 : this.lineLength >= 2 && this.byteBeforeLast === CR ? 2 : 1;
    if (eol === 1) this.bareLfCount++;
    const contentLength = this.lineLength - eol;
    const lfAtLineEnd = this.lfCount + (hasLf ? 1 : 0);

    const delimiter = this.matchDelimiter(contentLength);
    if (delimiter) {
      this.onDelimiter(delimiter.frameIndex, delimiter.closing, lfAtLineEnd);
    } else if (this.top.inHeader && hasLf && contentLength === 0) {
      this.endHeader(this.top, this.offset, lfAtLineEnd, true);
    }

    this.lfCount = lfAtLineEnd;
    this.previousEol = eol;
    this.previousLineHasContent = contentLength > 0;
    this.lineStart = this.offset;
    this.lineLength = 0;
    this.lineHeadLength = 0;
  }

  /** A delimiter line of any open multipart, innermost first (an outer one also ends inner parts). */
  private matchDelimiter(contentLength: number): { frameIndex: number; closing: boolean } | undefined {
    if (contentLength > LINE_PROBE_BYTES || contentLength < 2) return undefined;
    const line = this.lineHead.subarray(0, contentLength);
    if (line[0] !== DASH || line[1] !== DASH) return undefined;
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const frame = this.stack[i]!;
      const delimiter = frame.delimiter;
      if (!delimiter || frame.inEpilogue || line.length < delimiter.length) continue;
      if (line.compare(delimiter, 0, delimiter.length, 0, delimiter.length) !== 0) continue;
      let rest = delimiter.length;
      const closing = line[rest] === DASH && line[rest + 1] === DASH;
      if (closing) rest += 2;
      // RFC 2046 transport padding; a stray CR (CRCRLF) is tolerated too.
      while (rest < line.length && (line[rest] === SP || line[rest] === TAB || line[rest] === CR)) rest++;
      if (rest !== line.length) continue;
      if (!closing && this.partCount >= MAX_PARTS) return undefined;
      return { frameIndex: i, closing };
    }
    return undefined;
  }

  private onDelimiter(frameIndex: number, closing: boolean, lfAtLineEnd: number): void {
    this.closeFramesAbove(frameIndex, {
      end: this.lineStart - this.previousEol,
      lfBeforeEnd: this.lfCount - (this.previousEol > 0 ? 1 : 0),
      partialLastLine: this.previousLineHasContent,
    });
    const multipart = this.stack[frameIndex]!;
    if (closing) {
      multipart.inEpilogue = true;
      return;
    }
    const parent = multipart.node;
    const number = ++multipart.childCount;
    const defaultType = parent.contentType === 'multipart/digest' ? 'message/rfc822' : 'text/plain';
    const child = this.newFrame(
      parent.part ? `${parent.part}.${number}` : `${number}`,
      this.offset,
      multipart.depth + 1,
      defaultType,
    );
    child.lfAtBodyStart = lfAtLineEnd;
    parent.children!.push(child.node);
    this.partCount++;
    this.stack.push(child);
  }

  /**
   * The header of `frame` ends; its body starts at `bodyStart`. `open` is false when the part is
   * closing at the same time, so there is no body to look into.
   */
  private endHeader(frame: Frame, bodyStart: number, lfAtBodyStart: number, open: boolean): void {
    frame.inHeader = false;
    const raw = frame.header.length === 1 ? frame.header[0]! : Buffer.concat(frame.header);
    const fields = parseHeaderBlock(raw);
    frame.header = [];
    const node = frame.node;
    if (node === this.root) this.trace = readTraceFields(raw);
    Object.assign(node, readMimeFields(fields, frame.defaultType));
    node.bodyStart = bodyStart;
    frame.lfAtBodyStart = lfAtBodyStart;
    if (frame.encapsulatedBy) frame.encapsulatedBy.envelope = readEnvelope(fields);
    else if (node === this.root) this.envelope = readEnvelope(fields);

    const canSplit = open && frame.depth < MAX_DEPTH;
    if (node.contentType.startsWith('multipart/')) {
      const boundary = node.params.boundary;
      if (canSplit && boundary && Buffer.byteLength(boundary) <= LINE_PROBE_BYTES - 4) {
        frame.delimiter = Buffer.from(`--${boundary}`);
        node.children = [];
      }
    } else if (ENCAPSULATING.has(node.contentType) && IDENTITY_ENCODINGS.has(node.encoding ?? '7bit')) {
      if (canSplit && this.partCount < MAX_PARTS) {
        const inner = this.newFrame(node.part || '1', bodyStart, frame.depth + 1, 'text/plain');
        inner.lfAtBodyStart = lfAtBodyStart;
        inner.encapsulatedBy = node;
        node.children = [inner.node];
        this.partCount++;
        this.stack.push(inner);
      }
    }
  }

  /** Closes every frame above `frameIndex` (all of them for -1), innermost first. */
  private closeFramesAbove(frameIndex: number, close: Close): void {
    while (this.stack.length - 1 > frameIndex) {
      const frame = this.stack.pop()!;
      const node = frame.node;
      // The line break before a delimiter may be the one that ended the header or the previous delimiter line.
      const end = Math.max(close.end, node.headerStart);
      if (frame.inHeader) this.endHeader(frame, end, close.lfBeforeEnd, false);
      // A header ended by the blank line whose line break is the delimiter's (`Type: x CRLF CRLF
      // --b`): that line break is not the part's, so the header ends before it and there is no body.
      else if (end < node.bodyStart) node.bodyStart = end;
      node.end = Math.max(end, node.bodyStart);
      node.lines =
        node.end > node.bodyStart
          ? close.lfBeforeEnd - frame.lfAtBodyStart + (close.partialLastLine ? 1 : 0)
          : 0;
      if (isUnsplitComposite(node)) {
        node.contentType = OPAQUE_TYPE;
        delete node.children;
        delete node.envelope;
      }
    }
  }
}

/** multipart/* without parts or message/rfc822 not looked into: no IMAP structure fits, so it is opaque. */
function isUnsplitComposite(node: MimeNode): boolean {
  if (node.contentType.startsWith('multipart/')) return !node.children || node.children.length === 0;
  if (ENCAPSULATING.has(node.contentType)) return !node.children;
  return false;
}
