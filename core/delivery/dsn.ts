import { randomUUID } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import MimeNode from 'nodemailer/lib/mime-node';

/** RFC 3464 §2.3.3 actions. */
export type DsnAction = 'failed' | 'delayed' | 'delivered' | 'relayed' | 'expanded';

/** The DSN parameters the sender gave (RFC 3461): RET and ENVID on MAIL, NOTIFY and ORCPT on RCPT. */
export interface DsnParams {
  ret?: 'FULL' | 'HDRS';
  envid?: string;
  /** Per recipient address. */
  recipients?: Record<string, { notify?: DsnNotify[]; orcpt?: string }>;
}

export type DsnNotify = 'NEVER' | 'SUCCESS' | 'FAILURE' | 'DELAY';

/** One recipient's part of a report. */
export interface DsnRecipient {
  recipient: string;
  /** ORCPT as given (`rfc822;user@example.org`). */
  originalRecipient?: string;
  action: DsnAction;
  /** RFC 3463 enhanced status code, `5.1.1`. */
  status: string;
  /** The server's reply (`550 5.1.1 no such user`), written as `smtp; ...`. */
  diagnostic?: string;
  remoteMta?: string;
  /** One line for people: "Message expired", "Hop count exceeded" ... (AltaVista §2.12). */
  summary: string;
}

/** The message being reported on, read from storage only as far as needed. */
export interface DsnOriginal {
  size: number;
  /** Octets of the header block (up to and including the blank line). */
  headerSize: number;
  /** Opens `[start, end)` of the stored message, or all of it. */
  open(range?: { start: number; end: number }): Promise<Readable>;
}

export interface DsnRequest {
  /** This server's name (Reporting-MTA, MAILER-DAEMON's domain). */
  reportingMta: string;
  /** The reverse path of the original message: the report's only recipient. Never ''. */
  to: string;
  params?: DsnParams;
  arrivalDate: Date;
  recipients: DsnRecipient[];
  original: DsnOriginal;
  /** Above this size only the headers are returned, whatever RET says. */
  maxFullSize?: number;
  date?: Date;
}

/** Whether the sender asked (or by default wants) a report of this kind for this recipient. */
export function wantsReport(params: DsnParams | undefined, recipient: string, action: DsnAction): boolean {
  const notify = params?.recipients?.[recipient]?.notify;
  if (!notify) return action === 'failed'; // RFC 3461 §4.1: the default is FAILURE (and maybe DELAY)
  if (notify.includes('NEVER')) return false;
  if (action === 'failed') return notify.includes('FAILURE');
  if (action === 'delayed') return notify.includes('DELAY');
  return notify.includes('SUCCESS');
}

const DEFAULT_MAX_FULL_SIZE = 1024 * 1024;

/**
 * Builds an RFC 3464 delivery status notification (multipart/report; report-type=delivery-status)
 * as a stream. The original is streamed from storage into the third part: all of it for RET=FULL
 * (the default) when it is small enough, else only its header block, so a 50 MB message is never
 * loaded whole. The human-readable part follows the AltaVista report text (§2.12).
 */
export async function buildDsn(request: DsnRequest): Promise<Readable> {
  const { reportingMta, original } = request;
  const full =
    request.params?.ret !== 'HDRS' && original.size <= (request.maxFullSize ?? DEFAULT_MAX_FULL_SIZE);
  const failed = request.recipients.some((recipient) => recipient.action === 'failed');
  const root = new MimeNode('multipart/report', { keepBcc: false });
  root.setHeader('Content-Type', 'multipart/report; report-type=delivery-status');
  root.setHeader({
    From: `Mail Delivery Subsystem <MAILER-DAEMON@${reportingMta}>`,
    To: `<${request.to}>`,
    Subject: failed ? 'Undeliverable mail' : 'Delivery status notification',
    Date: (request.date ?? new Date()).toUTCString().replace(/GMT$/, '+0000'),
    'Message-ID': `<${randomUUID()}@${reportingMta}>`,
    'Auto-Submitted': 'auto-replied',
  });
  root.createChild('text/plain; charset=utf-8').setContent(humanText(request, full));
  root.createChild('message/delivery-status').setContent(statusFields(request));

  const originalPart = full
    ? await original.open()
    : await original.open({ start: 0, end: original.headerSize });
  if (full) {
    root.createChild('message/rfc822').setContent(originalPart);
  } else {
    const raw = new PassThrough();
    raw.write('Content-Type: text/rfc822-headers\r\n\r\n');
    originalPart.on('error', (err) => raw.destroy(err));
    originalPart.pipe(raw);
    root.createChild(false).setRaw(raw);
  }
  return root.createReadStream();
}

function humanText(request: DsnRequest, full: boolean): string {
  const verb = request.recipients.every((recipient) => recipient.action === 'failed')
    ? 'was unable to deliver mail to the following recipient(s)'
    : 'reports on mail to the following recipient(s)';
  const lines = [`Mailwright at ${request.reportingMta} ${verb}:`, ''];
  for (const recipient of request.recipients) {
    lines.push(`${recipient.recipient}:`, `    ${recipient.summary}`);
    if (recipient.diagnostic) lines.push(`    ${recipient.diagnostic}`);
    lines.push('');
  }
  lines.push(
    full ? '----- The original message is attached -----' : '----- Original message headers follow -----',
  );
  return lines.join('\r\n') + '\r\n';
}

/** The message/delivery-status body: per-message fields, then one block per recipient. */
function statusFields(request: DsnRequest): string {
  const blocks: string[][] = [
    [
      ...(request.params?.envid ? [`Original-Envelope-Id: ${request.params.envid}`] : []),
      `Reporting-MTA: dns; ${request.reportingMta}`,
      `Arrival-Date: ${request.arrivalDate.toUTCString().replace(/GMT$/, '+0000')}`,
    ],
  ];
  for (const recipient of request.recipients) {
    const block: string[] = [];
    if (recipient.originalRecipient) block.push(`Original-Recipient: ${recipient.originalRecipient}`);
    block.push(
      `Final-Recipient: rfc822; ${recipient.recipient}`,
      `Action: ${recipient.action}`,
      `Status: ${recipient.status}`,
    );
    if (recipient.remoteMta) block.push(`Remote-MTA: dns; ${recipient.remoteMta}`);
    if (recipient.diagnostic) block.push(`Diagnostic-Code: smtp; ${oneLine(recipient.diagnostic)}`);
    blocks.push(block);
  }
  return blocks.map((block) => block.join('\r\n')).join('\r\n\r\n') + '\r\n';
}

function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\r\n\x00-\x1f]+/g, ' ').trim();
}

/** The enhanced status code at the start of an SMTP reply (`550 5.1.1 ...` → `5.1.1`), or a default. */
export function statusOf(reply: string, fallback: string): string {
  return /^\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})\b/.exec(reply)?.[1] ?? fallback;
}
