import type { LogEvent, NewLogEvent } from '../../core/model/event.js';
import type { EventLog } from '../../core/ports/event-log.js';
import type { RedisContext } from './context.js';

type StoredEvent = Omit<LogEvent, 'id' | 'time'> & { time: number };

export class RedisEventLog implements EventLog {
  constructor(private readonly ctx: RedisContext) {}

  async appendEvent(event: NewLogEvent): Promise<LogEvent> {
    const time = event.time ?? new Date();
    const stored: StoredEvent = {
      log: event.log,
      time: time.getTime(),
      type: event.type,
      text: event.text,
      params: event.params,
    };
    const id = (await this.ctx.scripts.run(
      'appendEvent',
      event.log,
      Math.floor(Date.now() / 1000),
      time.getTime(),
      JSON.stringify(stored),
    )) as string;
    return { id, log: event.log, time, type: event.type, text: event.text, params: event.params };
  }

  async importEvent(event: LogEvent): Promise<boolean> {
    const [seconds, sequence] = event.id.split('.');
    const stored: StoredEvent = {
      log: event.log,
      time: event.time.getTime(),
      type: event.type,
      text: event.text,
      params: event.params,
    };
    const added = await this.ctx.scripts.run(
      'importEvent',
      event.log,
      event.id,
      Number(seconds),
      Number(sequence),
      event.time.getTime(),
      JSON.stringify(stored),
    );
    return added === 1;
  }

  async readEvents(log: string, since: Date, limit?: number): Promise<LogEvent[]> {
    const key = this.ctx.key(`ev:time:${log}`);
    const ids =
      limit === undefined
        ? await this.ctx.redis.zrangebyscore(key, since.getTime(), '+inf')
        : await this.ctx.redis.zrangebyscore(key, since.getTime(), '+inf', 'LIMIT', 0, limit);
    return this.load(log, ids);
  }

  async eventsAfter(log: string, afterId: string, limit?: number): Promise<LogEvent[]> {
    // The part after the dot is the global sequence, which is also the score in ev:seq:<log>.
    const after = afterId === '' ? 0 : Number(afterId.slice(afterId.indexOf('.') + 1));
    const key = this.ctx.key(`ev:seq:${log}`);
    const ids =
      limit === undefined
        ? await this.ctx.redis.zrangebyscore(key, `(${after}`, '+inf')
        : await this.ctx.redis.zrangebyscore(key, `(${after}`, '+inf', 'LIMIT', 0, limit);
    return this.load(log, ids);
  }

  async listLogs(): Promise<string[]> {
    const logs = await this.ctx.redis.smembers(this.ctx.key('ev:logs'));
    return logs.sort(
      (a, b) => a.toLowerCase().localeCompare(b.toLowerCase()) || (a < b ? -1 : a > b ? 1 : 0),
    );
  }

  async expireEvents(before: Date): Promise<number> {
    return Number(await this.ctx.scripts.run('expireEvents', before.getTime()));
  }

  private async load(log: string, ids: string[]): Promise<LogEvent[]> {
    if (ids.length === 0) return [];
    const rows = await this.ctx.redis.hmget(this.ctx.key(`ev:data:${log}`), ...ids);
    const events: LogEvent[] = [];
    rows.forEach((row, i) => {
      if (row === null) return; // expired between the two reads
      const stored = JSON.parse(row) as StoredEvent;
      events.push({ ...stored, id: ids[i], time: new Date(stored.time) });
    });
    return events;
  }
}
