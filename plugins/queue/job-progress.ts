import type { Job } from 'bullmq';
import type { DeliveryJobData } from './job.js';

/**
 * One try's progress on its delivery job. Changes to the job data and the log lines are kept here
 * and written together (one data write and one log entry, instead of a Redis round trip per step),
 * at the points where losing them in a crash would repeat something that must not happen twice —
 * after a forward and after a remote transaction — and at the end of the try. What a crash may
 * lose otherwise is repeated harmlessly: local stores are idempotent on their delivery keys, and
 * the log of an interrupted try is only informational.
 */
export class JobProgress {
  private lines: string[] = [];

  constructor(
    private readonly job: Job<DeliveryJobData>,
    readonly data: DeliveryJobData,
  ) {}

  log(line: string): void {
    this.lines.push(`${new Date().toISOString()} ${line}`);
  }

  /** Writes the job data and the lines logged since the last save (as one log entry). */
  async save(): Promise<void> {
    const lines = this.lines;
    this.lines = [];
    await Promise.all([
      this.job.updateData(this.data),
      lines.length > 0 ? this.job.log(lines.join('\r\n')) : undefined,
    ]);
  }
}
