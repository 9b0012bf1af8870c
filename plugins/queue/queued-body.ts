import type { BlobStore } from '../../core/index.js';
import type { DeliveryJobData } from './job.js';
import type { JobProgress } from './job-progress.js';
import type { LocalDelivery } from './local-delivery.js';

/**
 * The queue's one reference to a job's body blob, and the only code that gives it up. It goes in
 * one of two ways: handed over to the mailbox message of the job's last use of the body (a store
 * that adopts it), or released once every recipient is delivered. Either way the job records
 * `blobReleased` and saves that before the reference leaves: a crash in between leaks the body
 * (nobody releases it), which is safe, where releasing twice would drop a mailbox's reference and
 * lose its body. A store that did not take the reference gives it back to the queue. A job removed
 * undelivered gives it up through releaseRemovedJobBody.
 */
export class QueuedBody {
  constructor(
    private readonly blobs: BlobStore,
    private readonly progress: JobProgress,
  ) {}

  private get data(): DeliveryJobData {
    return this.progress.data;
  }

  /**
   * Whether a store is the last use the job makes of its body, so the mailbox message can take over
   * the queue's reference to it instead of taking one while the queue releases its own (two fsynced
   * reference writes fewer on the file adapter): the one pending recipient of a job with nothing
   * failed, no DSN to report (a success report reads the body afterwards) and no Return-Path copy.
   * The caller checks that the recipient's plan is this one store.
   */
  async mayHandOver(pending: string[], local: LocalDelivery): Promise<boolean> {
    return (
      pending.length === 1 &&
      !this.data.blobReleased &&
      this.data.failures.length === 0 &&
      this.data.dsn === undefined &&
      !(await local.needsReturnPath())
    );
  }

  /** Before the store that adopts the reference: recorded and saved as no longer the queue's. */
  async handOver(): Promise<void> {
    this.data.blobReleased = true;
    await this.progress.save();
  }

  /** The store that was to adopt the reference did not deliver: nothing was handed over. */
  takeBack(): void {
    this.data.blobReleased = false;
  }

  /**
   * At the end of a job with every recipient delivered: recorded (and the job saved) before the
   * release, and released only if no earlier try or store did already.
   */
  async releaseAtEnd(): Promise<void> {
    const release = !this.data.blobReleased;
    this.data.blobReleased = true;
    await this.progress.save();
    if (release) await this.blobs.releaseBlob(this.data.blobId);
  }
}

/**
 * A job taken out of the queue without being delivered (a frozen message deleted) gives up the
 * reference it still holds. Called after the job is removed: a crash in between leaks the body,
 * never releases it twice.
 */
export async function releaseRemovedJobBody(blobs: BlobStore, data: DeliveryJobData): Promise<void> {
  if (!data.blobReleased) await blobs.releaseBlob(data.blobId);
}
