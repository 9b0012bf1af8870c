/**
 * Message bodies as files, written once: blobs/<ab>/<id>. Beside each body, <id>.refs is a journal
 * of `+` and `-` lines; the reference count is their difference. Appending one short line with
 * O_APPEND is atomic, so references are counted across processes without a lock. The refs file is
 * the blob's commit marker: a body without one (a crash mid-put) does not exist.
 */
import { constants, promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Readable } from 'node:stream';
import { NotFoundError, type BlobInfo, type BlobStore } from '../../core/ports/index.js';
import { fsyncDir, readIfExists, writeTemp } from './durable-fs.js';
import type { Layout } from './layout.js';

const ID = /^[0-9a-f]{32}$/;

export class FileBlobStore implements BlobStore {
  constructor(private readonly layout: Layout) {}

  async putBlob(body: Readable): Promise<BlobInfo> {
    const id = randomBytes(16).toString('hex');
    const file = this.layout.blobFile(id);
    const { temp, size } = await writeTemp(this.layout.tmp, body);
    const refs = await writeTemp(this.layout.tmp, '+\n');
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.rename(temp, file);
    await fs.rename(refs.temp, this.layout.blobRefs(id));
    await fsyncDir(path.dirname(file));
    return { id, size };
  }

  async openBlob(id: string, range?: { start: number; end: number }): Promise<Readable> {
    if (!(await this.statBlob(id))) throw new NotFoundError(`blob ${id}`);
    if (range && range.end <= range.start) return Readable.from([]);
    const handle = await fs.open(this.layout.blobFile(id), 'r');
    return handle.createReadStream(range ? { start: range.start, end: range.end - 1 } : {});
  }

  async statBlob(id: string): Promise<BlobInfo | null> {
    if (!ID.test(id)) return null;
    const refs = await readIfExists(this.layout.blobRefs(id));
    if (!refs || countRefs(refs) <= 0) return null;
    try {
      return { id, size: (await fs.stat(this.layout.blobFile(id))).size };
    } catch {
      return null;
    }
  }

  async addBlobRef(id: string): Promise<void> {
    await this.appendRef(id, '+\n');
  }

  async releaseBlob(id: string): Promise<void> {
    const refs = await this.appendRef(id, '-\n');
    if (countRefs(refs) <= 0) {
      await fs.rm(this.layout.blobFile(id), { force: true });
      await fs.rm(this.layout.blobRefs(id), { force: true });
    }
  }

  /** Appends one reference change and resolves the journal as it stands after it. */
  private async appendRef(id: string, line: string): Promise<Buffer> {
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
    } finally {
      await handle.close();
    }
    return (await readIfExists(this.layout.blobRefs(id))) ?? Buffer.alloc(0);
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
