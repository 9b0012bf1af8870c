/**
 * A small whole-file TAB table (domains.tab, aliases.tab ...): read without locking (files are only
 * ever replaced atomically), changed by read-modify-write under the table's lock. The parsed rows
 * are cached per process and re-read when the file's identity (inode, size, mtime) changes.
 */
import { promises as fs } from 'node:fs';
import { withLock } from './file-lock.js';
import { readIfExists, writeAtomic, type WritePlace } from './durable-fs.js';
import { formatRow, parseRows } from './tab.js';

export interface RowCodec<R> {
  decode(row: string[]): R;
  encode(record: R): (string | number)[];
}

export class Table<R> {
  private cache: { key: string; records: R[] } | null = null;

  constructor(
    readonly file: string,
    private readonly lockFile: string,
    private readonly place: WritePlace,
    private readonly codec: RowCodec<R>,
    private readonly mode = place.modes.file,
  ) {}

  async read(): Promise<readonly R[]> {
    const key = await this.identity();
    if (this.cache && this.cache.key === key) return this.cache.records;
    const text = await readIfExists(this.file);
    const records = text ? parseRows(text).rows.map((r) => this.codec.decode(r)) : [];
    this.cache = { key, records };
    return records;
  }

  /** Runs `change` on a fresh copy of the rows under the lock and writes what it returns. */
  async update<T>(
    change: (records: R[]) => { records: R[]; result: T } | Promise<{ records: R[]; result: T }>,
  ): Promise<T> {
    return withLock(this.lockFile, this.place.modes, async () => {
      this.cache = null;
      const { records, result } = await change([...(await this.read())]);
      await writeAtomic(
        this.place,
        this.file,
        records.map((r) => formatRow(this.codec.encode(r))).join(''),
        this.mode,
      );
      this.cache = null;
      return result;
    });
  }

  private async identity(): Promise<string> {
    try {
      const s = await fs.stat(this.file);
      return `${s.ino}:${s.birthtimeMs}:${s.size}:${s.mtimeMs}`;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
      throw err;
    }
  }
}
