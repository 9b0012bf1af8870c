/**
 * An append-only TAB file folded into an in-memory state. Readers never lock: they read the whole
 * lines added since their last look (stat + tail read), so a 100,000-row file is read once per
 * process, not once per query. Writers append under the journal's lock (durable-fs appendLines);
 * compaction replaces the file atomically, which readers notice by the changed inode.
 */
import { promises as fs } from 'node:fs';
import { appendLines, fileIdentity, writeAtomic, type WritePlace } from './durable-fs.js';
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
    private readonly place: WritePlace,
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
    const id = fileIdentity(stat);
    const cache = this.cache;
    if (cache && cache.id === id && stat.size >= cache.consumed) {
      // Grown: the new lines are folded into the cached state in place. An append() of this
      // process may have moved `consumed` on meanwhile; it never moves back.
      if (stat.size > cache.consumed) {
        const consumed = await this.readFrom(cache.consumed, stat.size, cache.state);
        cache.consumed = Math.max(cache.consumed, consumed);
      }
    } else {
      const state = this.fold.empty();
      this.cache = { id, consumed: await this.readFrom(0, stat.size, state), state };
    }
    return this.cache ? this.cache.state : this.fold.empty();
  }

  /** Folds the whole lines of [from, to) into `state`; resolves the offset after the last one. */
  private async readFrom(from: number, to: number, state: S): Promise<number> {
    const handle = await fs.open(this.file, 'r');
    try {
      const buf = Buffer.alloc(to - from);
      const { bytesRead } = await handle.read(buf, 0, buf.length, from);
      const { rows, consumed } = parseRows(buf.subarray(0, bytesRead));
      for (const row of rows) this.fold.apply(state, row);
      return from + consumed;
    } finally {
      await handle.close();
    }
  }

  /**
   * Caller holds the lock. When the cache had read the file up to exactly where the rows landed,
   * they are folded in from memory, so the next read() need not read back what was just written.
   */
  async append(rows: (string | number)[][]): Promise<void> {
    if (rows.length === 0) return;
    const text = rows.map(formatRow).join('');
    const written = await appendLines(this.file, text, this.place.modes);
    const cache = this.cache;
    if (cache && cache.id === written.id && cache.consumed === written.from) {
      const { rows: parsed, consumed } = parseRows(Buffer.from(text));
      for (const row of parsed) this.fold.apply(cache.state, row);
      cache.consumed = written.from + consumed;
    }
  }

  /** Replaces the whole journal with `rows` (compaction). Caller holds the lock. */
  async replace(rows: (string | number)[][]): Promise<void> {
    await writeAtomic(this.place, this.file, rows.map(formatRow).join(''));
    this.cache = null;
  }
}
