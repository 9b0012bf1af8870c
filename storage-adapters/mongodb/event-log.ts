import type { LogEvent, NewLogEvent } from '../../core/model/index.js';
import type { EventLog } from '../../core/ports/index.js';
import type { Collections, EventDoc } from './collections.js';
import { nextSeq, raiseSeq } from './counters.js';
import { isDuplicateKey } from './errors.js';

const DEFAULT_LIMIT = 1000;

/**
 * Event ids are `<unix-seconds of the append>.<global sequence>`: the sequence alone orders and
 * identifies events, the seconds keep the AltaVista id format.
 */
export class MongoEventLog implements EventLog {
  constructor(private readonly cols: Collections) {}

  async appendEvent(event: NewLogEvent): Promise<LogEvent> {
    const seq = await nextSeq(this.cols, 'eventSeq');
    const doc: EventDoc = {
      _id: `${Math.floor(Date.now() / 1000)}.${seq}`,
      seq,
      log: event.log,
      logLower: event.log.toLowerCase(),
      time: event.time ?? new Date(),
      type: event.type,
      text: event.text,
      params: event.params,
    };
    await this.cols.events.insertOne(doc);
    return toEvent(doc);
  }

  async importEvent(event: LogEvent): Promise<boolean> {
    const seq = Number(event.id.slice(event.id.indexOf('.') + 1)) || 0;
    try {
      await this.cols.events.insertOne({ ...toDoc(event, seq), _id: event.id });
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
    await raiseSeq(this.cols, 'eventSeq', seq);
    return true;
  }

  async readEvents(log: string, since: Date, limit = DEFAULT_LIMIT): Promise<LogEvent[]> {
    const docs = await this.cols.events
      .find({ logLower: log.toLowerCase(), log, time: { $gte: since } })
      .sort({ time: 1, seq: 1 })
      .limit(limit)
      .toArray();
    return docs.map(toEvent);
  }

  async eventsAfter(log: string, afterId: string, limit = DEFAULT_LIMIT): Promise<LogEvent[]> {
    const after = afterId === '' ? 0 : Number(afterId.slice(afterId.indexOf('.') + 1));
    const docs = await this.cols.events
      .find({ logLower: log.toLowerCase(), log, seq: { $gt: Number.isFinite(after) ? after : 0 } })
      .sort({ seq: 1 })
      .limit(limit)
      .toArray();
    return docs.map(toEvent);
  }

  async listLogs(): Promise<string[]> {
    const logs = (await this.cols.events.distinct('log')) as string[];
    return logs.sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()) || a.localeCompare(b));
  }

  async expireEvents(before: Date): Promise<number> {
    return (await this.cols.events.deleteMany({ time: { $lt: before } })).deletedCount;
  }
}

function toDoc(event: LogEvent, seq: number): EventDoc {
  const { id, ...rest } = event;
  return { ...rest, _id: id, seq, logLower: event.log.toLowerCase() };
}

function toEvent(doc: EventDoc): LogEvent {
  return { id: doc._id, log: doc.log, time: doc.time, type: doc.type, text: doc.text, params: doc.params };
}
