import type { Queue } from 'bullmq';
import type { DeliveryQueue, HookBus, QueuedMessage } from '../../core/index.js';
import { DELIVERY_JOB_NAME, newJobData, type DeliveryJobData } from './job.js';

/** DeliveryQueue on a BullMQ queue: one job per message, then the `queued` hook. */
export class BullDeliveryQueue implements DeliveryQueue {
  constructor(
    private readonly queue: Queue<DeliveryJobData>,
    private readonly hooks: HookBus,
  ) {}

  async enqueue(message: QueuedMessage): Promise<string> {
    const job = await this.queue.add(DELIVERY_JOB_NAME, newJobData(message, new Date()));
    const queueId = job.id as string;
    await this.hooks.emit('queued', {
      queueId,
      envelope: { mailFrom: message.mailFrom, rcptTo: message.recipients },
      size: message.size,
    });
    return queueId;
  }
}
