/**
 * Dot-stuffing of CTRL file transfers (spec §3.2; MiscUtils.cpp MscSendTextFile / MscRecvTextFile).
 *
 * Server → client (00100 file bodies: usergetmproc, custdomget, cfgfileget, frozlist, frozgetlog,
 * frozgetmsg): the file is read line by line (LF and trailing CRs dropped), a line starting with `.`
 * gets one more `.`, each line goes out with CRLF, and a `.` line ends the body.
 *
 * Client → server (00101 uploads): a line that is exactly `.` ends the data; ANY other line starting
 * with `.` loses its first char (so `.x` arrives as `x`); lines are stored with `\n`. An upload of
 * just `.` is empty, which deletes the target file (§3.2).
 *
 * Deliberate differences from XMail: file lines longer than XMail's 2046-byte read buffer are sent
 * whole (XMail splits them into several wire lines) and NUL bytes in a file are sent (XMail's
 * strlen cuts the line there); both would corrupt the data for no client benefit.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { LineSplitter } from '../../../core/index.js';
import { CTRL_MAX_UPLOAD_LINE_BYTES, lineContent } from './lines.js';

export const DOT_LINE = '.';
const DOT = 0x2e;
const LF = 0x0a;
const CR = 0x0d;
const CRLF_BYTES = Buffer.from('\r\n');
const TERMINATOR_BYTES = Buffer.from('.\r\n');
const LF_BYTES = Buffer.from('\n');

/** Server → client, one line (no line ending): `.x` becomes `..x`. */
export function stuffLine(line: string): string {
  return line.startsWith(DOT_LINE) ? DOT_LINE + line : line;
}

/** Client → server, one received line (line ending already removed): null for the end marker `.`. */
export function unstuffLine(line: string): string | null {
  if (line === DOT_LINE) return null;
  return line.startsWith(DOT_LINE) ? line.slice(1) : line;
}

/**
 * A whole (small) text file as the wire body: stuffed CRLF lines plus the `.` line. A final line
 * without LF is still a line; an empty file is just `.\r\n`.
 */
export function encodeDotStuffed(text: string): string {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((line) => stuffLine(line.replace(/\r+$/, '')) + '\r\n').join('') + '.\r\n';
}

/**
 * Streams a file as a 00100 body (bytes in, wire bytes out, ending with `.\r\n`). Memory use is
 * bounded by the longest line, so 50 MB frozen messages stream through.
 */
export class DotStuffEncoder extends Transform {
  /** Bytes of the current line not yet terminated by LF. */
  private partial: Buffer = Buffer.alloc(0);

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const data = this.partial.length > 0 ? Buffer.concat([this.partial, chunk]) : chunk;
    const out: Buffer[] = [];
    let start = 0;
    for (let end = data.indexOf(LF, start); end >= 0; end = data.indexOf(LF, start)) {
      this.pushLine(out, data.subarray(start, end));
      start = end + 1;
    }
    this.partial = Buffer.from(data.subarray(start));
    if (out.length > 0) this.push(Buffer.concat(out));
    done();
  }

  override _flush(done: TransformCallback): void {
    const out: Buffer[] = [];
    if (this.partial.length > 0) this.pushLine(out, this.partial);
    out.push(TERMINATOR_BYTES);
    this.push(Buffer.concat(out));
    done();
  }

  private pushLine(out: Buffer[], line: Buffer): void {
    let end = line.length;
    while (end > 0 && line[end - 1] === CR) end--;
    if (line[0] === DOT) out.push(Buffer.from(DOT_LINE));
    out.push(line.subarray(0, end), CRLF_BYTES);
  }
}

/**
 * Decodes a 00101 upload from the raw bytes the client sends (bytes in, stored content out with `\n`
 * line endings). It stops at the `.` line: the readable side ends, 'terminated' is emitted, and the
 * bytes that followed the `.` line (the client's next command, if it pipelined) are in `remainder`.
 * Feed it with write(), not pipe(): the socket stays the session's after the upload. Stop writing
 * on 'terminated'; bytes written later are only appended to `remainder`.
 *
 * A line longer than CTRL_MAX_UPLOAD_LINE_BYTES (including its ending) makes the upload invalid
 * (decision 3: answer -00103 and change nothing): from then on nothing more is output, the input is
 * still read up to the `.` line, and the stream then fails with UploadLineTooLongError so a consumer
 * writing it to storage discards it.
 */
export class DotUnstuffDecoder extends Transform {
  private readonly lines = new LineSplitter();
  private lineTooLong = false;
  private terminated = false;
  remainder: Buffer = Buffer.alloc(0);

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.terminated) {
      this.remainder = Buffer.concat([this.remainder, chunk]);
      done();
      return;
    }
    this.lines.feed(chunk);
    const out: Buffer[] = [];
    for (
      let event = this.lines.next(CTRL_MAX_UPLOAD_LINE_BYTES);
      event;
      event = this.lines.next(CTRL_MAX_UPLOAD_LINE_BYTES)
    ) {
      if (event.kind === 'too-long') {
        this.lineTooLong = true;
        continue;
      }
      const content = lineContent(event.raw);
      if (content.length === 1 && content[0] === DOT) {
        this.finish(out);
        done();
        return;
      }
      if (!this.lineTooLong) out.push(content[0] === DOT ? content.subarray(1) : content, LF_BYTES);
    }
    if (out.length > 0) this.push(Buffer.concat(out));
    done();
  }

  override _flush(done: TransformCallback): void {
    // The client went away before the `.` line: the upload is incomplete, never store it.
    done(this.terminated ? undefined : new UploadIncompleteError());
  }

  private finish(out: Buffer[]): void {
    this.terminated = true;
    this.remainder = this.lines.takeBuffered();
    if (this.lineTooLong) {
      this.emit('terminated', this.remainder);
      this.destroy(new UploadLineTooLongError());
      return;
    }
    if (out.length > 0) this.push(Buffer.concat(out));
    this.push(null);
    this.emit('terminated', this.remainder);
  }
}

/** An upload line exceeded CTRL_MAX_UPLOAD_LINE_BYTES; the session answers -00103 (decision 3). */
export class UploadLineTooLongError extends Error {
  constructor() {
    super(`upload line longer than ${CTRL_MAX_UPLOAD_LINE_BYTES} bytes`);
    this.name = 'UploadLineTooLongError';
  }
}

/** The input ended before the terminating `.` line. */
export class UploadIncompleteError extends Error {
  constructor() {
    super('upload ended without the terminating "." line');
    this.name = 'UploadIncompleteError';
  }
}
