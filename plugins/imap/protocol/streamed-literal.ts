/**
 * A literal handed to a command as a stream instead of a buffer (APPEND's message data, see
 * command-reader.ts): an async iterable of chunks that reads the connection as it is consumed,
 * so memory holds one chunk whatever the size. Readable once.
 *
 * For a synchronizing literal the client waits for `+` before sending; the `+` goes out only when
 * iteration starts, so a command can still refuse (mailbox missing, over quota) without the
 * client sending a byte: answer, and leave the literal unread.
 */
export interface LiteralSource {
  /** Sends the `+` continuation (synchronizing literals only). */
  accept(): Promise<void>;
  /** The literal's bytes as they arrive (LineReader.bytes). */
  bytes(size: number): AsyncIterable<Buffer>;
}

export class StreamedLiteral implements AsyncIterable<Buffer> {
  private consumedBytes = 0;
  private startedReading = false;
  private closed = false;

  constructor(
    readonly size: number,
    /** `{n}`: a `+` is sent when reading starts. */
    readonly sync: boolean,
    /** `~{n}` (literal8): may hold NUL. */
    readonly binary: boolean,
    private readonly source: LiteralSource,
  ) {}

  /** Bytes handed out so far. */
  get consumed(): number {
    return this.consumedBytes;
  }

  /** Reading has started (for a synchronizing literal: the `+` was sent). */
  get started(): boolean {
    return this.startedReading;
  }

  /** Every byte was handed out: the command goes on after the literal. */
  get complete(): boolean {
    return this.consumedBytes === this.size;
  }

  /**
   * Chunks are views of the received data, valid until the next pull: copy what you keep.
   * Throws TruncatedReadError if the peer leaves before the end.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer, void, undefined> {
    if (this.startedReading || this.closed) throw new Error('a streamed literal is read once');
    this.startedReading = true;
    if (this.sync) await this.source.accept();
    for await (const chunk of this.source.bytes(this.size)) {
      this.consumedBytes += chunk.length;
      yield chunk;
      // The command reader moved on (and skipped the rest): the next bytes are no longer ours.
      if (this.closed) throw new Error('the command reader moved past this literal');
    }
  }

  /** The command reader moves on: any further read fails instead of stealing the next command. */
  close(): void {
    this.closed = true;
  }
}
