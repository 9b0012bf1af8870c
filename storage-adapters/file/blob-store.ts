/**
 * Message bodies as files, written once: blobs/<ab>/<id>. Beside each body, <id>.refs is a journal
 * of `+` and `-` lines; the reference count is their difference. Appending one short line with
 * O_APPEND is atomic, so references are counted across processes without a lock. The refs file is
 * the blob's commit marker: a body without one (a crash mid-put) does not exist. <id>.mime, the
 * body's MIME structure (blob-structures.ts), goes with the body.
 */
import { constants, promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Readable } from 'node:stream';
import { NotFoundError, type BlobInfo, type BlobStore } from '../../core/ports/index.js';
import { fsyncDir, writeTemp } from './durable-fs.js';
import type { Layout } from './layout.js';

const ID = /^[0-9a-f]{32}$/;
/** One read takes a reference journal of up to 2,048 changes. */
const REFS_READ = 4096;

export class FileBlobStore implements BlobStore {
  constructor(private readonly layout: Layout) {}

  async putBlob(body: Readable): Promise<BlobInfo> {
    const id = randomBytes(16).toString('hex');
    const file = this.layout.blobFile(id);
    // Both temp files are written and fsynced side by side: concurrent fsyncs share one journal
    // commit of the file system, so the put waits for about one flush instead of two.
    const [written, refsWritten] = await Promise.allSettled([
      writeTemp(this.layout, body),
      writeTemp(this.layout, '+\n'),
    ]);
    if (written.status === 'rejected' || refsWritten.status === 'rejected') {
      for (const r of [written, refsWritten])
        if (r.status === 'fulfilled') await fs.rm(r.value.temp, { force: true });
      throw written.status === 'rejected' ? written.reason : (refsWritten as PromiseRejectedResult).reason;
    }
    const { temp, size } = written.value;
    const refs = refsWritten.value;
    try {
      await renameCreatingDir(temp, file, this.layout.modes.dir);
      await fs.rename(refs.temp, this.layout.blobRefs(id));
    } catch (err) {
      await Promise.all([fs.rm(temp, { force: true }), fs.rm(refs.temp, { force: true })]);
      throw err;
    }
    await fsyncDir(path.dirname(file));
    return { id, size };
  }

  async openBlob(id: string, range?: { start: number; end: number }): Promise<Readable> {
    if (!ID.test(id)) throw new NotFoundError(`blob ${id}`);
    // The body is opened while the reference journal is read, and kept only if the blob exists:
    // an open handle reads the body even if a release removes it meanwhile.
    const opening = fs.open(this.layout.blobFile(id), 'r').catch(nullIfNotFound);
    let refs: Buffer | null;
    try {
      refs = await readSmall(this.layout.blobRefs(id));
    } catch (err) {
      await (await opening.catch(() => null))?.close();
      throw err;
    }
    const handle = await opening;
    if (!handle || !refs || countRefs(refs) <= 0) {
      await handle?.close();
      throw new NotFoundError(`blob ${id}`);
    }
    if (range && range.end <= range.start) {
      await handle.close();
      return Readable.from([]);
    }
    return new BodyStream(handle, range?.start ?? 0, range?.end ?? Infinity);
  }

  async statBlob(id: string): Promise<BlobInfo | null> {
    if (!ID.test(id)) return null;
    const refs = await readSmall(this.layout.blobRefs(id));
    if (!refs || countRefs(refs) <= 0) return null;
    try {
      return { id, size: (await fs.stat(this.layout.blobFile(id))).size };
    } catch {
      return null;
    }
  }

  async addBlobRef(id: string): Promise<void> {
    await this.appendRef(id, '+\n', false);
  }

  async releaseBlob(id: string): Promise<void> {
    const refs = await this.appendRef(id, '-\n', true);
    if (countRefs(refs) <= 0) {
      await fs.rm(this.layout.blobFile(id), { force: true });
      await fs.rm(this.layout.blobStructure(id), { force: true });
      await fs.rm(this.layout.blobRefs(id), { force: true });
    }
  }

  /**
   * Appends one reference change, fsynced; with `readBack`, resolves the journal as it stands after
   * it, read through the same handle.
   */
  private async appendRef(id: string, line: string, readBack: boolean): Promise<Buffer> {
    if (!ID.test(id)) throw new NotFoundError(`blob ${id}`);
    let handle;
    try {
      // No O_CREAT: a blob released to zero stays gone.
      handle = await fs.open(this.layout.blobRefs(id), constants.O_RDWR | constants.O_APPEND);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`blob ${id}`);
      throw err;
    }
    try {
      await handle.write(line);
      await handle.datasync();
      return readBack ? await readWhole(handle) : Buffer.alloc(0);
    } finally {
      await handle.close();
    }
  }
}

/** rename(2), creating the target's directory (blobs/<ab>/) the first time it is needed. */
async function renameCreatingDir(from: string, to: string, dirMode: number): Promise<void> {
  try {
    await fs.rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await fs.mkdir(path.dirname(to), { recursive: true, mode: dirMode });
    await fs.rename(from, to);
  }
}

function nullIfNotFound(err: unknown): null {
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
  throw err;
}

/**
 * A reference journal, or null when it does not exist: open, read, close (readFile adds an fstat,
 * and this runs on every read of a body). Journals are a few bytes; a longer one is read on.
 */
async function readSmall(file: string): Promise<Buffer | null> {
  const handle = await fs.open(file, 'r').catch(nullIfNotFound);
  if (!handle) return null;
  try {
    return await readWhole(handle);
  } finally {
    await handle.close();
  }
}

/** A reference journal through an open handle, from its start: one read unless it is long. */
async function readWhole(handle: FileHandle): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (let position = 0; ;) {
    const { bytesRead, buffer } = await handle.read(Buffer.allocUnsafe(REFS_READ), 0, REFS_READ, position);
    chunks.push(buffer.subarray(0, bytesRead));
    position += bytesRead;
    if (bytesRead < REFS_READ) return Buffer.concat(chunks);
  }
}

function countRefs(journal: Buffer): number {
  let count = 0;
  for (const byte of journal) {
    if (byte === 0x2b) count++;
    else if (byte === 0x2d) count--;
  }
  return count;
}

const CHUNK = 64 * 1024;

/**
 * A body read through its open handle. A short read is the end of the file (a body never changes
 * once written), so a small body takes one read where a file ReadStream takes a second, empty one.
 */
class BodyStream extends Readable {
  constructor(
    private readonly handle: FileHandle,
    private position: number,
    private end: number,
  ) {
    super({ highWaterMark: CHUNK });
  }

  override _read(): void {
    const want = Math.min(CHUNK, this.end - this.position);
    if (want <= 0) {
      this.push(null);
      return;
    }
    this.handle.read(Buffer.allocUnsafe(want), 0, want, this.position).then(
      ({ bytesRead, buffer }) => {
        this.position += bytesRead;
        if (bytesRead < want) this.end = this.position;
        if (bytesRead > 0) this.push(buffer.subarray(0, bytesRead));
        if (this.position >= this.end) this.push(null);
      },
      (err: Error) => this.destroy(err),
    );
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.handle.close().then(
      () => callback(err),
      (closeErr: Error) => callback(err ?? closeErr),
    );
  }
}
