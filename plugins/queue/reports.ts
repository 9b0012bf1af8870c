import type { DeliveryQueue, Router, Storage } from '../../core/index.js';
import { spoolMessage } from '../../core/index.js';
import { buildDsn, statusOf, wantsReport, type DsnAction, type DsnRecipient } from '../../core/index.js';
import type { DeliveryJobData } from './job.js';

/** One recipient to report on. */
export interface ReportLine {
  recipient: string;
  action: DsnAction;
  /** SMTP-style reply; its enhanced code becomes the Status. */
  reply: string;
  summary: string;
  remoteMta?: string;
}

/**
 * Sends delivery status notifications (RFC 3464) for a queued message to its reverse path, as a
 * new message on the queue with the null reverse path. Never to a null reverse path (a report on
 * a report would loop), and only for recipients whose NOTIFY asks for that kind of report.
 */
export class Reporter {
  constructor(
    private readonly storage: Storage,
    private readonly queue: DeliveryQueue,
    private readonly router: Router,
    private readonly settings: { hostname: string; maxOriginalSize: number },
  ) {}

  /** Resolves with the queue id of the report, or null when none was due. */
  async report(message: DeliveryJobData, lines: ReportLine[]): Promise<string | null> {
    if (message.mailFrom === '') return null;
    const due = lines.filter((line) => wantsReport(message.dsn, line.recipient, line.action));
    if (due.length === 0) return null;
    const recipients: DsnRecipient[] = due.map((line) => ({
      recipient: line.recipient,
      originalRecipient: message.dsn?.recipients?.[line.recipient]?.orcpt,
      action: line.action,
      status: statusOf(line.reply, line.action === 'failed' ? '5.0.0' : '2.0.0'),
      diagnostic: line.reply,
      remoteMta: line.remoteMta,
      summary: line.summary,
    }));
    const blobs = this.storage.blobs;
    const body = await buildDsn({
      reportingMta: this.settings.hostname,
      to: message.mailFrom,
      params: message.dsn,
      arrivalDate: new Date(message.queuedAt),
      recipients,
      maxFullSize: this.settings.maxOriginalSize,
      original: {
        size: message.size,
        headerSize: message.mime.bodyStart,
        open: (range) => blobs.openBlob(message.blobId, range),
      },
    });
    const local = (await this.router.resolve(message.mailFrom).catch(() => null))?.kind === 'local';
    const spooled = await spoolMessage(blobs, {
      body,
      returnPath: local ? '' : undefined,
      received: {
        heloName: this.settings.hostname,
        remoteAddress: '127.0.0.1',
        byHost: this.settings.hostname,
        protocol: 'local',
        id: 'report',
        recipient: message.mailFrom,
      },
    });
    try {
      return await this.queue.enqueue({ mailFrom: '', recipients: [message.mailFrom], ...spooled });
    } catch (err) {
      await blobs.releaseBlob(spooled.blobId);
      throw err;
    }
  }
}
