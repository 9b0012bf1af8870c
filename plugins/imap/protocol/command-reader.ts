/**
 * Reads IMAP commands from a connection: lines from the shared LineReader, parsed by
 * CommandParser, with the literals in between fetched under the session's limits.
 *
 * next() yields one event at a time:
 * - `command`: a whole command; every literal in it was read into memory (LOGIN's password, a
 *   SEARCH string), each under `maxLiteralBytes` and all of them under `maxCommandBytes`.
 * - `literal-stream`: an APPEND has reached a message literal (any literal of APPEND but its
 *   first argument, the mailbox). `command` holds the arguments so far, the last being the
 *   StreamedLiteral, which is also in `literal`. Read it to its end, then call next(): the same
 *   command goes on (another message of MULTIAPPEND gives another `literal-stream`) and ends in
 *   `command` (commit then) or `error` (throw away what was stored). To refuse the message, answer
 *   the command and call next() without reading it: the reader skips what the client still sends
 *   of that command.
 * - `error`: an ImapParseError to answer (tagged when the tag was read); the session continues.
 * - null: the peer is gone.
 *
 * Synchronizing literals get `+ Ready for literal data` through `sendContinuation` (the session
 * writes it), only once the literal is accepted: a literal over a limit is answered with
 * `NO [TOOBIG]` and no `+`, so the client never sends it. A non-synchronizing literal (LITERAL+ /
 * LITERAL-, RFC 7888) is on its way whatever we answer: a refused one is read and thrown away,
 * with the rest of its command, before the answer. With LITERAL- (`literalPlus` false) one over
 * 4096 bytes is refused with `BAD [TOOBIG]` (RFC 7888 §4).
 *
 * Line endings: IMAP requires CRLF, but a bare LF ends a line too (as in Dovecot and Cyrus), so
 * the line ending is LF with an optional CR before it; a literal starts right after the LF.
 * Blank lines between commands are skipped without an answer. Over-long lines are answered
 * `BAD` with the tag if the line's start held one; their end is still checked for a literal
 * announcement, so that a `{n+}` literal after them is skipped rather than run as commands.
 */
import { LineReader, TruncatedReadError } from '../../../core/index.js';
import type { ImapCommand } from './arguments.js';
import { CommandParser, isTag, type LineOutcome, type LiteralMarker } from './command-parser.js';
import { ImapParseError } from './errors.js';
import { StreamedLiteral } from './streamed-literal.js';

export interface CommandLimits {
  /** One line of a command, line ending included (RFC 7162 §4 asks for at least 8192). */
  readonly maxLineBytes: number;
  /** One literal read into memory. */
  readonly maxLiteralBytes: number;
  /** The lines and in-memory literals of one command together. */
  readonly maxCommandBytes: number;
  /** One streamed APPEND message (the APPENDLIMIT, RFC 7889). */
  readonly maxAppendBytes: number;
}

export const DEFAULT_COMMAND_LIMITS: CommandLimits = {
  maxLineBytes: 8192,
  maxLiteralBytes: 64 * 1024,
  maxCommandBytes: 1024 * 1024,
  maxAppendBytes: 50 * 1024 * 1024,
};

export interface CommandReaderOptions {
  readonly limits?: CommandLimits;
  /** LITERAL+ is advertised (non-synchronizing literals of any size); otherwise LITERAL-. */
  readonly literalPlus?: boolean;
  /** Writes a continuation request line (CRLF included) to the client. */
  readonly sendContinuation: (line: string) => void | Promise<void>;
}

export type CommandEvent =
  | { readonly kind: 'command'; readonly command: ImapCommand }
  | { readonly kind: 'literal-stream'; readonly command: ImapCommand; readonly literal: StreamedLiteral }
  | { readonly kind: 'error'; readonly error: ImapParseError };

/** RFC 3501 §7.5; the text is free. */
export const LITERAL_CONTINUATION = '+ Ready for literal data\r\n';
/** RFC 7888 §4: the most a LITERAL- server takes as a non-synchronizing literal. */
export const LITERAL_MINUS_MAX = 4096;

/** `{n}`, `{n+}`, `~{n}`, `~{n+}` before the line ending: what a line announces, even unparsable. */
const TRAILING_MARKER = /(~?)\{([0-9]+)(\+?)\}\r?\n$/;

/** A command being read: its parser and the bytes it holds in memory so far. */
interface Pending {
  readonly parser: CommandParser;
  bytes: number;
}

export class CommandReader {
  /** UTF8=ACCEPT is enabled (ENABLE, RFC 6855): applies from the next command on. */
  utf8Accept = false;
  private readonly limits: CommandLimits;
  private pending: Pending | undefined;
  private streaming: StreamedLiteral | undefined;

  constructor(
    private readonly lines: LineReader,
    private readonly options: CommandReaderOptions,
  ) {
    this.limits = options.limits ?? DEFAULT_COMMAND_LIMITS;
  }

  async next(): Promise<CommandEvent | null> {
    if (this.streaming && !(await this.leaveStream(this.streaming))) return null;
    for (;;) {
      const event = await this.lines.next(this.limits.maxLineBytes);
      if (!event) return null;
      if (event.kind === 'too-long') return this.longLine(event.head);
      const content = withoutLineEnding(event.raw);
      if (!this.pending && content.length === 0) continue;
      const pending = (this.pending ??= {
        parser: new CommandParser({ utf8Accept: this.utf8Accept }),
        bytes: 0,
      });
      pending.bytes += event.raw.length;
      let outcome: LineOutcome;
      try {
        outcome = pending.parser.feed(content);
        if (pending.bytes > this.limits.maxCommandBytes) {
          throw new ImapParseError(
            pending.parser.tag,
            `Command longer than ${this.limits.maxCommandBytes} bytes`,
          );
        }
      } catch (err) {
        if (!(err instanceof ImapParseError)) throw err;
        return this.refuse(err, trailingMarker(event.raw));
      }
      if (outcome.kind === 'complete') {
        this.pending = undefined;
        return { kind: 'command', command: outcome.command };
      }
      const { literal, path } = outcome;
      const command = pending.parser.command;
      const streamed = command.name === 'APPEND' && !(path.length === 1 && path[0] === 0);
      const refusal = this.checkLiteral(command.tag, literal, streamed, pending.bytes);
      if (refusal) return this.refuse(refusal, literal);
      if (streamed) {
        const stream = new StreamedLiteral(literal.size, literal.sync, literal.binary, {
          accept: () => this.continueLiteral(),
          bytes: (size) => this.lines.bytes(size),
        });
        pending.parser.literal(stream);
        this.streaming = stream;
        return { kind: 'literal-stream', command: pending.parser.command, literal: stream };
      }
      if (literal.sync) await this.continueLiteral();
      const value = await this.readLiteral(literal.size);
      if (!value) return null;
      pending.bytes += value.length;
      pending.parser.literal(value);
    }
  }

  /** Why a literal is refused before its bytes are read, or undefined to take it. */
  private checkLiteral(
    tag: string,
    literal: LiteralMarker,
    streamed: boolean,
    commandBytes: number,
  ): ImapParseError | undefined {
    const { size } = literal;
    if (!literal.sync && !this.options.literalPlus && size > LITERAL_MINUS_MAX) {
      return new ImapParseError(
        tag,
        `Non-synchronizing literal of ${size} bytes: LITERAL- allows ${LITERAL_MINUS_MAX} at most, send {${size}}`,
        'BAD',
        'TOOBIG',
      );
    }
    if (streamed) {
      return size > this.limits.maxAppendBytes
        ? tooBig(tag, `Message of ${size} bytes is larger than the limit of ${this.limits.maxAppendBytes}`)
        : undefined;
    }
    if (size > this.limits.maxLiteralBytes) {
      return tooBig(
        tag,
        `Literal of ${size} bytes is larger than the limit of ${this.limits.maxLiteralBytes}`,
      );
    }
    if (commandBytes + size > this.limits.maxCommandBytes) {
      return tooBig(tag, `Command longer than ${this.limits.maxCommandBytes} bytes`);
    }
    return undefined;
  }

  /**
   * Ends the command with an error. A non-synchronizing literal announced at the point of failure
   * is coming anyway: it is read and thrown away with the rest of the command first.
   */
  private async refuse(
    error: ImapParseError,
    marker: LiteralMarker | undefined,
  ): Promise<CommandEvent | null> {
    this.pending = undefined;
    if (marker && !marker.sync && !(await this.skipLiteral(marker.size))) return null;
    return { kind: 'error', error };
  }

  /** An over-long line: answered BAD, with whatever its end announces skipped. */
  private async longLine(head: Buffer): Promise<CommandEvent | null> {
    const tag = this.pending?.parser.tag ?? tagOf(head);
    const tail = await this.lines.skipRest();
    if (!tail) return null;
    return this.refuse(
      new ImapParseError(tag, `Line longer than ${this.limits.maxLineBytes} bytes`),
      trailingMarker(tail),
    );
  }

  /**
   * After a `literal-stream` event: a literal read to its end lets the command go on; one left
   * (partly) unread means the command was answered, and what the client still sends of it is skipped.
   */
  private async leaveStream(stream: StreamedLiteral): Promise<boolean> {
    this.streaming = undefined;
    stream.close();
    if (stream.complete) return true;
    this.pending = undefined;
    // A synchronizing literal never accepted: the client is waiting for a `+` and sends nothing.
    if (stream.sync && !stream.started) return true;
    return this.skipLiteral(stream.size - stream.consumed);
  }

  /**
   * Throws away `size` literal bytes and the rest of their command: each following line, and the
   * non-synchronizing literals they announce, up to a line that announces none (or a synchronizing
   * one, which the client will not send). False if the peer left.
   */
  private async skipLiteral(size: number): Promise<boolean> {
    for (let remaining: number | undefined = size; remaining !== undefined;) {
      if (!(await this.discard(remaining))) return false;
      const event = await this.lines.next(this.limits.maxLineBytes);
      if (!event) return false;
      const end = event.kind === 'line' ? event.raw : await this.lines.skipRest();
      if (!end) return false;
      const marker = trailingMarker(end);
      remaining = marker && !marker.sync ? marker.size : undefined;
    }
    return true;
  }

  private async discard(size: number): Promise<boolean> {
    try {
      for await (const _chunk of this.lines.bytes(size));
      return true;
    } catch (err) {
      if (err instanceof TruncatedReadError) return false;
      throw err;
    }
  }

  private async readLiteral(size: number): Promise<Buffer | null> {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of this.lines.bytes(size)) chunks.push(chunk);
    } catch (err) {
      if (err instanceof TruncatedReadError) return null;
      throw err;
    }
    // Copied: the chunks are views of socket buffers.
    return Buffer.concat(chunks, size);
  }

  private async continueLiteral(): Promise<void> {
    await this.options.sendContinuation(LITERAL_CONTINUATION);
  }
}

function tooBig(tag: string, text: string): ImapParseError {
  return new ImapParseError(tag, text, 'NO', 'TOOBIG');
}

/** The line without its LF and the CR before it. */
function withoutLineEnding(raw: Buffer): Buffer {
  const end = raw.length > 1 && raw[raw.length - 2] === 0x0d ? raw.length - 2 : raw.length - 1;
  return raw.subarray(0, end);
}

/** The literal a raw line (or the tail of one) announces at its end, even if the line did not parse. */
function trailingMarker(raw: Buffer): LiteralMarker | undefined {
  const match = TRAILING_MARKER.exec(raw.toString('latin1', Math.max(0, raw.length - 32)));
  if (!match) return undefined;
  // A size beyond 2^53 reads as Infinity: skipping it means reading until the peer leaves.
  return { size: Number(match[2]), sync: match[3] === '', binary: match[1] === '~' };
}

/** The tag at the start of an over-long line, if it has a valid one. */
function tagOf(head: Buffer): string | undefined {
  const space = head.indexOf(0x20);
  return space > 0 && isTag(head.subarray(0, space)) ? head.toString('latin1', 0, space) : undefined;
}
