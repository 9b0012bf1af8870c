import type { LogEvent, NewLogEvent } from '../model/event.js';

/** Named event logs (AltaVista Activity, Errors, Security ...). */
export interface EventLog {
  /** Assigns the identifier (unique, increasing) and the time when absent. */
  appendEvent(event: NewLogEvent): Promise<LogEvent>;
  /** Events of `log` with time ≥ `since`, oldest first, at most `limit`. */
  readEvents(log: string, since: Date, limit?: number): Promise<LogEvent[]>;
  /** Events appended after the one with identifier `afterId` (`''` = from the start), oldest first. */
  eventsAfter(log: string, afterId: string, limit?: number): Promise<LogEvent[]>;
  /** Names of the logs that hold events, sorted case-insensitively. */
  listLogs(): Promise<string[]>;
  /**
   * For `mailwright storage copy`: stores the event with its own identifier and time. Idempotent:
   * an identifier already in the log is skipped (resolves false). Later appends get identifiers
   * greater than every imported one.
   */
  importEvent(event: LogEvent): Promise<boolean>;
  /** Deletes events older than `before`; resolves how many went. */
  expireEvents(before: Date): Promise<number>;
}
