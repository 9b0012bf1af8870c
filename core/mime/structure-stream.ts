import { Transform, type TransformCallback } from 'node:stream';
import { MimeStructureScanner, type MimeAnalysis } from './structure-scanner.js';

export {
  MimeStructureScanner,
  MAX_DEPTH,
  MAX_HEADER_BYTES,
  MAX_PARTS,
  type MimeAnalysis,
} from './structure-scanner.js';

/**
 * A pass-through stream that records the MIME structure of the bytes flowing through it, so the
 * delivery path reads the body once: `putBlob(body.pipe(analyser))`, then `await analyser.result`.
 * `result` settles when the stream ends (or rejects if it is destroyed first).
 */
export class MimeStructureStream extends Transform {
  readonly result: Promise<MimeAnalysis>;
  private readonly scanner = new MimeStructureScanner();
  private settle!: { resolve: (analysis: MimeAnalysis) => void; reject: (error: Error) => void };

  constructor() {
    super();
    this.result = new Promise<MimeAnalysis>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    // A caller that only consumes the bytes must not get an unhandled rejection from `result`.
    this.result.catch(() => undefined);
  }

  // decodeStrings (the default) hands us Buffers even when strings are written.
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.scanner.write(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.settle.resolve(this.scanner.finish());
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // After a resolve this is a no-op; otherwise the body never fully arrived.
    this.settle.reject(error ?? new Error('MIME structure stream was destroyed before the body ended'));
    callback(error);
  }
}

/** The MIME structure of a body given as a byte source (a Readable, a file stream, a generator). */
export async function analyseMime(source: AsyncIterable<Uint8Array | string>): Promise<MimeAnalysis> {
  const scanner = new MimeStructureScanner();
  for await (const chunk of source) scanner.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return scanner.finish();
}
