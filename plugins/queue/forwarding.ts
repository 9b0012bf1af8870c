import { spoolMessage, type BlobStore, type DeliveryQueue } from '../../core/index.js';
import { outboundBody, type DeliveryJobData } from './job.js';

/**
 * Sends a message on to new recipients (redirections, list members, DefaultRedirection): one new
 * queued message per reverse path, whatever the number of recipients, with one more `Received:`
 * line, which is the hop the loop limit counts. The body is copied once per reverse path, so a list
 * of 1,000 members costs one copy, not 1,000.
 */
export class Forwarder {
  constructor(
    private readonly blobs: BlobStore,
    private readonly queue: DeliveryQueue,
    private readonly hostname: string,
  ) {}

  /** Resolves the new queue id. */
  async forward(
    message: DeliveryJobData,
    queueId: string,
    mailFrom: string,
    recipients: string[],
  ): Promise<string> {
    const spooled = await spoolMessage(this.blobs, {
      body: await outboundBody(this.blobs, message).open(),
      received: {
        heloName: this.hostname,
        remoteAddress: '127.0.0.1',
        byHost: this.hostname,
        protocol: 'local',
        id: `${queueId}.fwd`,
        recipient: recipients.length === 1 ? recipients[0] : undefined,
      },
    });
    try {
      return await this.queue.enqueue({ mailFrom, recipients, ...spooled, dsn: message.dsn });
    } catch (err) {
      await this.blobs.releaseBlob(spooled.blobId);
      throw err;
    }
  }
}
