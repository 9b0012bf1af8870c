import type { Readable } from 'node:stream';
import type SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { RetrySchedule } from '../../core/index.js';
import type { DsnParams } from '../../core/services/dsn.js';
import { DeliveryError } from './delivery-error.js';
import type { MxResolver, SmtpTarget } from './mx-resolver.js';
import type { SmtpPool } from './smtp-pool.js';

/** What happened to one recipient of a remote send. */
export type RemoteOutcome =
  | { recipient: string; status: 'delivered'; reply: string; remoteMta: string }
  | { recipient: string; status: 'failed'; reply: string; summary: string; remoteMta?: string }
  | { recipient: string; status: 'deferred'; reply: string; retryAt?: Date };

export interface RemoteMessage {
  mailFrom: string;
  recipients: string[];
  size: number;
  dsn?: DsnParams;
  open(): Promise<Readable>;
}

export interface RemoteRoutes {
  /** AltaVista MailServerHost: all remote mail goes there, no MX lookup. */
  mailServerHost?: string;
  /** AltaVista FirewallHost: tried after every target host failed. */
  firewallHost?: string;
}

/** The reply of a nodemailer error, or a made-up 4xx for errors below SMTP (refused, timeout ...). */
function replyOf(err: unknown): { reply: string; code?: number } {
  const e = err as { response?: string; responseCode?: number; message?: string };
  if (e.response && e.responseCode) return { reply: e.response, code: e.responseCode };
  return { reply: `451 4.4.1 ${e.message ?? String(err)}` };
}

/**
 * Remote delivery of one message to the recipients of one destination domain: the retry schedule
 * says whether to try at all; then each target host in turn (smarthost, or MX hosts by preference,
 * then the firewall) until one answers the transaction. Per-recipient replies decide each
 * recipient; a destination none of whose hosts answered is recorded as a failed connection, which
 * sets its next retry time.
 */
export class RemoteDelivery {
  constructor(
    private readonly resolver: MxResolver,
    private readonly pool: SmtpPool,
    private readonly retry: RetrySchedule,
    private readonly routes: RemoteRoutes,
  ) {}

  /** The retry-schedule key of a domain: the smarthost when one is set (AltaVista decision 12). */
  destinationOf(domain: string): string {
    return (this.routes.mailServerHost ?? domain).toLowerCase();
  }

  async send(
    domain: string,
    message: RemoteMessage,
    log: (line: string) => Promise<void>,
  ): Promise<RemoteOutcome[]> {
    const destination = this.destinationOf(domain);
    const waitUntil = await this.retry.waiting(destination);
    if (waitUntil) {
      const reply = `451 4.4.1 ${destination} is not retried before ${waitUntil.toISOString()}`;
      return message.recipients.map((recipient) => ({
        recipient,
        status: 'deferred',
        reply,
        retryAt: waitUntil,
      }));
    }
    let targets: SmtpTarget[];
    try {
      targets = this.routes.mailServerHost
        ? await this.resolver.host(this.routes.mailServerHost)
        : await this.resolver.targets(domain);
    } catch (err) {
      if (!(err instanceof DeliveryError) || !err.permanent) throw err;
      return message.recipients.map((recipient) => ({
        recipient,
        status: 'failed',
        reply: err.reply,
        summary: err.summary,
      }));
    }
    if (this.routes.firewallHost) targets.push(...(await this.resolver.host(this.routes.firewallHost)));

    let lastReply = `451 4.4.1 no mail host of ${domain} could be reached`;
    for (const target of targets) {
      const name = `${target.host}[${target.address}]:${target.port}`;
      const outcomes = await this.tryTarget(target, message).catch((err: unknown) => {
        lastReply = replyOf(err).reply;
        return null;
      });
      if (outcomes) {
        await log(`${name}: ${outcomes.map((o) => `${o.recipient} ${o.status}: ${o.reply}`).join('; ')}`);
        await this.retry.reset(destination);
        return outcomes;
      }
      await log(`${name}: ${lastReply}`);
    }
    const state = await this.retry.recordFailure(destination);
    return message.recipients.map((recipient) => ({
      recipient,
      status: 'deferred',
      reply: lastReply,
      retryAt: state.retryTime,
    }));
  }

  /**
   * One SMTP transaction with one host. Resolves with per-recipient outcomes once the host has
   * answered MAIL, RCPT or DATA (a 5xx to MAIL fails everyone); rejects when it did not get that
   * far (refused, timed out, a 4xx/5xx greeting), so that the next host is tried.
   */
  private async tryTarget(target: SmtpTarget, message: RemoteMessage): Promise<RemoteOutcome[]> {
    const connection = await this.pool.acquire(target);
    let reusable = false;
    try {
      const outcomes = await this.transaction(connection, target, message);
      reusable = true;
      return outcomes;
    } finally {
      this.pool.release(target, connection, reusable);
    }
  }

  private async transaction(
    connection: SMTPConnection,
    target: SmtpTarget,
    message: RemoteMessage,
  ): Promise<RemoteOutcome[]> {
    const body = await message.open();
    const envelope = {
      from: message.mailFrom || (false as const),
      to: message.recipients,
      size: message.size,
      use8BitMime: true,
      dsn:
        message.dsn?.ret || message.dsn?.envid
          ? { ret: message.dsn.ret, envid: message.dsn.envid }
          : undefined,
    };
    const remoteMta = target.host;
    return new Promise((resolve, reject) => {
      connection.send(envelope, body, (err, info) => {
        body.destroy();
        if (!err && info) {
          const rejected = new Map(
            (info.rejectedErrors ?? []).map((e) => [(e as { recipient?: string }).recipient, replyOf(e)]),
          );
          resolve(
            message.recipients.map((recipient): RemoteOutcome => {
              const refusal = rejected.get(recipient);
              if (!refusal) return { recipient, status: 'delivered', reply: info.response, remoteMta };
              return refused(recipient, refusal, remoteMta);
            }),
          );
          return;
        }
        const failure = replyOf(err);
        const e = err as { command?: string; rejectedErrors?: unknown[] };
        // A reply to MAIL, RCPT or DATA means this host answered: it decides for the recipients.
        // Anything earlier (connect, greeting, EHLO, STARTTLS) is this host failing: try the next.
        if (!failure.code || !['MAIL FROM', 'RCPT TO', 'DATA'].includes(e.command ?? '')) {
          reject(err);
          return;
        }
        const byRecipient = new Map(
          (e.rejectedErrors ?? []).map((r) => [(r as { recipient?: string }).recipient, replyOf(r)]),
        );
        resolve(
          message.recipients.map((recipient) =>
            refused(recipient, byRecipient.get(recipient) ?? failure, remoteMta),
          ),
        );
      });
    });
  }
}

function refused(
  recipient: string,
  refusal: { reply: string; code?: number },
  remoteMta: string,
): RemoteOutcome {
  if (refusal.code !== undefined && refusal.code >= 500) {
    return {
      recipient,
      status: 'failed',
      reply: refusal.reply,
      summary: 'Refused by the remote server',
      remoteMta,
    };
  }
  return { recipient, status: 'deferred', reply: refusal.reply };
}
