import { createHash } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { BlobStore, DeliveryQueue, HookBus, QueuedMessage } from '../../core/index.js';
import { DELIVERY_JOB_NAME, newJobData, type DeliveryJobData } from './job.js';

/** DeliveryQueue on a BullMQ queue: one job per message, then the `queued` hook. */
export class BullDeliveryQueue implements DeliveryQueue {
  constructor(
    private readonly queue: Queue<DeliveryJobData>,
    private readonly hooks: HookBus,
    private readonly blobs: BlobStore,
  ) {}

  async enqueue(message: QueuedMessage): Promise<string> {
    const jobId = message.dedupeKey
      ? `d-${createHash('sha256').update(message.dedupeKey).digest('hex').slice(0, 32)}`
      : undefined;
    const job = await this.queue.add(DELIVERY_JOB_NAME, newJobData(message, new Date()), { jobId });
    const queueId = job.id as string;
    // BullMQ ignores an add whose jobId exists (answering with our data, not the stored job's):
    // the stored job tells whether this message is the one queued.
    const stored = jobId ? await this.queue.getJob(jobId) : undefined;
    if (stored && stored.data.blobId !== message.blobId) {
      await this.blobs.releaseBlob(message.blobId); // a duplicate: the queued copy stands
      return queueId;
    }
    await this.hooks.emit('queued', {
      queueId,
      envelope: { mailFrom: message.mailFrom, rcptTo: message.recipients },
      size: message.size,
    });
    return queueId;
  }
}
