import { Readable } from 'node:stream';
import type { Job, Queue } from 'bullmq';
import type {
  FrozenMessage,
  QueuedMessageRef,
  FrozenQueue,
  RetrySchedule,
  Storage,
} from '../../core/index.js';
import { wildMatchIgnoreCase } from '../../core/index.js';
import { pendingRecipients, type DeliveryJobData } from './job.js';
import type { Reporter } from './reports.js';
import { releaseRemovedJobBody } from './queued-body.js';

/**
 * The admin view of the BullMQ queue. Frozen messages are the jobs in BullMQ's failed set, named
 * by their job id; deferred messages are the delayed jobs.
 */
export class BullFrozenQueue implements FrozenQueue {
  constructor(
    private readonly queue: Queue<DeliveryJobData>,
    private readonly storage: Storage,
    private readonly reporter: Reporter,
    private readonly retry: RetrySchedule,
    /** The retry-schedule key of a recipient domain (the smarthost when one is set). */
    private readonly destinationOf: (domain: string) => string,
  ) {}

  async list(): Promise<FrozenMessage[]> {
    const jobs = await this.queue.getFailed(0, -1);
    return jobs.map((job) => ({
      id: job.id as string,
      from: job.data.mailFrom,
      rcpt: (job.data.failures.length > 0
        ? job.data.failures.map((failure) => failure.recipient)
        : pendingRecipients(job.data)
      ).join(','),
      lastTry: new Date(job.data.lastTryAt ?? job.finishedOn ?? job.timestamp),
      size: job.data.size,
      tryCount: job.data.tries,
    }));
  }

  /** Back on the queue: the failed recipients are tried again, and expiry counts from now. */
  async submit(ref: QueuedMessageRef): Promise<boolean> {
    const job = await this.frozen(ref);
    if (!job) return false;
    const failed = new Set(job.data.failures.map((failure) => failure.recipient));
    await job.updateData({
      ...job.data,
      settled: job.data.settled.filter((recipient) => !failed.has(recipient)),
      failures: [],
      reported: job.data.reported.filter((recipient) => !failed.has(recipient)),
      progressAt: new Date().toISOString(),
    });
    await job.log(`${new Date().toISOString()} resubmitted by an administrator`);
    await job.retry('failed');
    return true;
  }

  /**
   * Removes a frozen or waiting message. Recipients neither delivered nor already reported get a
   * report "deleted by administrator" (AltaVista §2.12). A message being delivered right now
   * cannot be deleted (false).
   */
  async delete(ref: QueuedMessageRef): Promise<boolean> {
    const job = await this.job(ref);
    if (!job || (await job.isActive())) return false;
    await this.remove(job, 'Message deleted by administrator');
    return true;
  }

  /**
   * Retention: removes the frozen messages that failed before `cutoff`, with their bodies, so
   * failed mail does not pile up outside every quota. Resolves with the count removed.
   */
  async removeFrozenBefore(cutoff: Date): Promise<number> {
    const PAGE = 500;
    let removed = 0;
    // Oldest first (BullMQ lists the failed set newest first); pages shift as jobs go, so each
    // round reads the tail again until it holds nothing old enough.
    for (;;) {
      const total = await this.queue.getFailedCount();
      const page = await this.queue.getFailed(Math.max(0, total - PAGE), total - 1);
      const old = page.filter((job) => (job.finishedOn ?? job.timestamp) < cutoff.getTime());
      for (const job of old) await this.remove(job, 'Message kept frozen past the retention period');
      removed += old.length;
      if (old.length < PAGE) return removed;
    }
  }

  /** Removes a job and its body reference, reporting to the sender on recipients not yet reported. */
  private async remove(job: Job<DeliveryJobData>, why: string): Promise<void> {
    const unreported = pendingRecipients(job.data).filter(
      (recipient) => !job.data.reported.includes(recipient),
    );
    if (unreported.length > 0) {
      await this.reporter.report(
        job.data,
        unreported.map((recipient) => ({
          recipient,
          action: 'failed',
          reply: `550 5.0.0 ${why}${job.data.deferred[recipient] ? `; last error: ${job.data.deferred[recipient]}` : ''}`,
          summary: why,
        })),
      );
    }
    await job.remove();
    await releaseRemovedJobBody(this.storage.blobs, job.data);
  }

  async log(ref: QueuedMessageRef): Promise<Readable | null> {
    const job = await this.job(ref);
    if (!job) return null;
    const { logs } = await this.queue.getJobLogs(job.id as string, 0, -1, true);
    return Readable.from([logs.map((line) => line + '\r\n').join('')]);
  }

  /** XMail's spool file shape: envelope lines, `<<MAIL-DATA>>`, then the message as stored. */
  async message(ref: QueuedMessageRef): Promise<Readable | null> {
    const job = await this.job(ref);
    if (!job || job.data.blobReleased) return null;
    const envelope = [
      `${job.data.queuedAt}`,
      `${job.id}`,
      `MAIL FROM:<${job.data.mailFrom}>`,
      ...job.data.recipients.map((recipient) => `RCPT TO:<${recipient}>`),
      '<<MAIL-DATA>>',
    ].join('\r\n');
    const body = await this.storage.blobs.openBlob(job.data.blobId);
    return Readable.from(
      (async function* () {
        yield Buffer.from(envelope + '\r\n');
        for await (const chunk of body) yield chunk as Buffer;
      })(),
    );
  }

  async rescheduleDeferred(pattern: string): Promise<number> {
    let count = 0;
    for (const job of await this.queue.getDelayed(0, -1)) {
      const matching = pendingRecipients(job.data).filter((recipient) =>
        wildMatchIgnoreCase(recipient, pattern),
      );
      if (matching.length === 0) continue;
      for (const recipient of matching) {
        await this.retry.reset(this.destinationOf(recipient.slice(recipient.lastIndexOf('@') + 1)));
      }
      await job.promote();
      count++;
    }
    return count;
  }

  private async job(ref: QueuedMessageRef): Promise<Job<DeliveryJobData> | null> {
    if (!/^[\w.-]+$/.test(ref.id)) return null;
    return (await this.queue.getJob(ref.id)) ?? null;
  }

  private async frozen(ref: QueuedMessageRef): Promise<Job<DeliveryJobData> | null> {
    const job = await this.job(ref);
    return job && (await job.isFailed()) ? job : null;
  }
}
