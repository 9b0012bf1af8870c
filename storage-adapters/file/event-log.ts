/**
 * Event logs as logs/<log>.tab, one event per line: `"id" "time" "type" "text" "params-json"`.
 * Identifiers are `<append-unix-seconds>.<sequence>`; the sequence comes from logs/event.seq under
 * the events lock, so it is unique and increasing across processes and logs.
 */
import { promises as fs } from 'node:fs';
import type { LogEvent, NewLogEvent } from '../../core/model/index.js';
import type { EventLog } from '../../core/ports/index.js';
import { appendLines, readIfExists, writeAtomic } from './durable-fs.js';
import { withLock } from './file-lock.js';
import type { Layout } from './layout.js';
import { formatRow, parseRows } from './tab.js';

function eventRow(e: LogEvent): string {
  return formatRow([e.id, e.time.toISOString(), e.type, e.text, JSON.stringify(e.params)]);
}

function sequenceOf(id: string): number {
  return Number(id.slice(id.indexOf('.') + 1));
}

export class FileEventLog implements EventLog {
  constructor(private readonly layout: Layout) {}

  async appendEvent(event: NewLogEvent): Promise<LogEvent> {
    return withLock(this.layout.lock('events'), this.layout.modes, async () => {
      const seq = (await this.lastSequence()) + 1;
      await this.saveSequence(seq);
      const stored: LogEvent = {
        id: `${Math.floor(Date.now() / 1000)}.${seq}`,
        log: event.log,
        time: event.time ?? new Date(),
        type: event.type,
        text: event.text,
        params: { ...event.params },
      };
      await appendLines(this.layout.logFile(event.log), eventRow(stored), this.layout.modes);
      return stored;
    });
  }

  async importEvent(event: LogEvent): Promise<boolean> {
    return withLock(this.layout.lock('events'), this.layout.modes, async () => {
      if ((await this.read(event.log)).some((e) => e.id === event.id)) return false;
      const seq = sequenceOf(event.id);
      if (seq > (await this.lastSequence())) await this.saveSequence(seq);
      await appendLines(this.layout.logFile(event.log), eventRow(event), this.layout.modes);
      return true;
    });
  }

  async readEvents(log: string, since: Date, limit = Infinity): Promise<LogEvent[]> {
    return (await this.read(log))
      .filter((e) => e.time >= since)
      .sort((a, b) => a.time.getTime() - b.time.getTime())
      .slice(0, limit);
  }

  async eventsAfter(log: string, afterId: string, limit = Infinity): Promise<LogEvent[]> {
    const after = afterId === '' ? 0 : sequenceOf(afterId);
    return (await this.read(log)).filter((e) => sequenceOf(e.id) > after).slice(0, limit);
  }

  async listLogs(): Promise<string[]> {
    const logs: string[] = [];
    for (const name of await this.logFiles()) {
      const log = this.layout.logOfFile(name);
      if (log !== null && (await this.read(log)).length > 0) logs.push(log);
    }
    return logs.sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
  }

  async expireEvents(before: Date): Promise<number> {
    return withLock(this.layout.lock('events'), this.layout.modes, async () => {
      let expired = 0;
      for (const name of await this.logFiles()) {
        const log = this.layout.logOfFile(name);
        if (log === null) continue;
        const events = await this.read(log);
        const kept = events.filter((e) => e.time >= before);
        if (kept.length === events.length) continue;
        expired += events.length - kept.length;
        if (kept.length === 0) await fs.rm(this.layout.logFile(log), { force: true });
        else await writeAtomic(this.layout, this.layout.logFile(log), kept.map(eventRow).join(''));
      }
      return expired;
    });
  }

  /** Caller holds the events lock. */
  private async lastSequence(): Promise<number> {
    return Number((await readIfExists(this.seqFile()))?.toString() ?? 0) || 0;
  }

  private async saveSequence(seq: number): Promise<void> {
    await writeAtomic(this.layout, this.seqFile(), `${seq}\n`);
  }

  private seqFile(): string {
    return this.layout.rootFile('logs/event.seq');
  }

  private async logFiles(): Promise<string[]> {
    try {
      return await fs.readdir(this.layout.logs);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  private async read(log: string): Promise<LogEvent[]> {
    const text = await readIfExists(this.layout.logFile(log));
    if (!text) return [];
    return parseRows(text).rows.map(([id, time, type, text, params]) => ({
      id,
      log,
      time: new Date(time),
      type,
      text,
      params: JSON.parse(params) as Record<string, string>,
    }));
  }
}
