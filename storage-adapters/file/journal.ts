/**
 * An append-only TAB file folded into an in-memory state. Readers never lock: they read the whole
 * lines added since their last look (stat + tail read), so a 100,000-row file is read once per
 * process, not once per query. Writers append under the journal's lock (durable-fs appendLines);
 * compaction replaces the file atomically, which readers notice by the changed inode.
 */
import { promises as fs } from 'node:fs';
import { appendLines, writeAtomic } from './durable-fs.js';
import { formatRow, parseRows } from './tab.js';

export interface Fold<S> {
  empty(): S;
  apply(state: S, row: string[]): void;
}

export class Journal<S> {
  private cache: { id: string; consumed: number; state: S } | null = null;

  constructor(
    readonly file: string,
    private readonly fold: Fold<S>,
  ) {}

  /** The current state. Do not mutate it. */
  async read(): Promise<S> {
    let stat;
    try {
      stat = await fs.stat(this.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      this.cache = null;
      return this.fold.empty();
    }
    // Inode and birth time together tell a replaced (compacted, re-created) file from a grown one.
    const id = `${stat.ino}:${stat.birthtimeMs}`;
    const cache = this.cache;
    if (cache && cache.id === id && stat.size >= cache.consumed) {
      if (stat.size > cache.consumed)
        this.cache = await this.readFrom(id, cache.consumed, stat.size, cache.state);
    } else {
      this.cache = await this.readFrom(id, 0, stat.size, this.fold.empty());
    }
    return this.cache ? this.cache.state : this.fold.empty();
  }

  private async readFrom(
    id: string,
    from: number,
    to: number,
    state: S,
  ): Promise<{ id: string; consumed: number; state: S }> {
    const handle = await fs.open(this.file, 'r');
    try {
      const buf = Buffer.alloc(to - from);
      const { bytesRead } = await handle.read(buf, 0, buf.length, from);
      const { rows, consumed } = parseRows(buf.subarray(0, bytesRead));
      for (const row of rows) this.fold.apply(state, row);
      return { id, consumed: from + consumed, state };
    } finally {
      await handle.close();
    }
  }

  /** Caller holds the lock. */
  async append(rows: (string | number)[][]): Promise<void> {
    if (rows.length === 0) return;
    await appendLines(this.file, rows.map(formatRow).join(''));
  }

  /** Replaces the whole journal with `rows` (compaction). Caller holds the lock. */
  async replace(tmpDir: string, rows: (string | number)[][]): Promise<void> {
    await writeAtomic(tmpDir, this.file, rows.map(formatRow).join(''));
    this.cache = null;
  }
}
