import type { Readable } from 'node:stream';
import type SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { RetrySchedule } from '../../core/index.js';
import type { DsnNotify, DsnParams } from '../../core/index.js';
import { DeliveryError } from './delivery-error.js';
import type { MxResolver, SmtpTarget } from './mx-resolver.js';
import { advertisesDsn, type SmtpPool } from './smtp-pool.js';

/** What happened to one recipient of a remote send. */
export type RemoteOutcome =
  | {
      recipient: string;
      status: 'delivered';
      reply: string;
      remoteMta: string;
      /**
       * The host advertised DSN and so got the recipient's NOTIFY and ORCPT: reports from here on
       * are its job (RFC 3461 §5.2.1). Otherwise a NOTIFY=SUCCESS asks us for a "relayed" report
       * (§5.2.2).
       */
      nextHopNotifies: boolean;
    }
  | { recipient: string; status: 'failed'; reply: string; summary: string; remoteMta?: string }
  | { recipient: string; status: 'deferred'; reply: string; retryAt?: Date };

export interface RemoteMessage {
  mailFrom: string;
  recipients: string[];
  size: number;
  dsn?: DsnParams;
  open(): Promise<Readable>;
}

/** Where a set of recipients goes. */
export interface RemoteRoute {
  domain: string;
  /**
   * mailproc.tab `smtprelay`: these hosts (`host` or `host:port`), in this order, and nothing else:
   * no MX lookup, no smarthost, no firewall (XMail's SMAILCmd_smtprelay tries the listed relays only).
   */
  relays?: string[];
}

export interface RemoteRoutes {
  /** AltaVista MailServerHost: all remote mail goes there, no MX lookup. */
  mailServerHost?: string;
  /** AltaVista FirewallHost: tried after every target host failed. */
  firewallHost?: string;
}

/** One try at one host: the recipients it answered for, those it did not, and why not. */
interface Attempt {
  outcomes: RemoteOutcome[];
  unanswered: string[];
  error?: string;
}

/** Recipients that go in one transaction: RFC 3461 NOTIFY and ORCPT are per RCPT, nodemailer's per send. */
interface DsnGroup {
  notify?: DsnNotify[];
  orcpt?: string;
  recipients: string[];
}

/** The reply of a nodemailer error, or a made-up 4xx for errors below SMTP (refused, timeout ...). */
function replyOf(err: unknown): { reply: string; code?: number } {
  const e = err as { response?: string; responseCode?: number; message?: string };
  if (e.response && e.responseCode) return { reply: e.response, code: e.responseCode };
  return { reply: `451 4.4.1 ${e.message ?? String(err)}` };
}

/**
 * Remote delivery of one message to the recipients of one route: the retry schedule says whether
 * to try at all; then each target host in turn (relays; or smarthost or MX hosts by preference,
 * then the firewall) until every recipient has an answer. For MX hosts the first host that answers
 * for a recipient decides (they all stand for the same domain); a relay that refuses a recipient
 * passes it on to the next relay, and the last relay tried decides, as in XMail. A route none of
 * whose hosts answered is recorded as a failed connection, which sets its next retry time.
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

  /**
   * The retry-schedule key of a route. A relay list is keyed like the smarthost, by the hosts
   * connected to rather than the recipient's domain (whose own MX may be fine): its hosts,
   * lower-cased, sorted (a `#` list comes shuffled on each expansion but is the same set) and
   * joined by `;`, so one relay is keyed exactly as the same host as a smarthost would be. The
   * state is only set when every relay failed, so it belongs to the set, not to one host.
   */
  routeDestination(route: RemoteRoute): string {
    if (!route.relays) return this.destinationOf(route.domain);
    return [...new Set(route.relays.map((relay) => relay.toLowerCase()))].sort().join(';');
  }

  async send(
    route: RemoteRoute,
    message: RemoteMessage,
    log: (line: string) => Promise<void>,
  ): Promise<RemoteOutcome[]> {
    const destination = this.routeDestination(route);
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
      targets = await this.targets(route);
    } catch (err) {
      if (!(err instanceof DeliveryError) || !err.permanent) throw err;
      return message.recipients.map((recipient) => ({
        recipient,
        status: 'failed',
        reply: err.reply,
        summary: err.summary,
      }));
    }

    const answers = new Map<string, RemoteOutcome>();
    let remaining = message.recipients;
    let answered = false;
    let lastReply = route.relays
      ? `451 4.4.1 no relay of ${route.domain} (${route.relays.join(';')}) could be reached`
      : `451 4.4.1 no mail host of ${route.domain} could be reached`;
    for (const target of targets) {
      if (remaining.length === 0) break;
      const name = `${target.host}[${target.address}]:${target.port}`;
      const attempt = await this.tryTarget(target, { ...message, recipients: remaining });
      if (attempt.outcomes.length > 0) {
        if (!answered) await this.retry.reset(destination);
        answered = true;
        await log(
          `${name}: ${attempt.outcomes.map((o) => `${o.recipient} ${o.status}: ${o.reply}`).join('; ')}`,
        );
      }
      if (attempt.error) {
        lastReply = attempt.error;
        await log(`${name}: ${attempt.error}`);
      }
      for (const outcome of attempt.outcomes) answers.set(outcome.recipient, outcome);
      // A relay that could not be reached after an earlier one refused: the last relay decides.
      for (const recipient of attempt.unanswered) answers.delete(recipient);
      remaining = remaining.filter((recipient) => {
        const answer = answers.get(recipient);
        return !answer || (route.relays !== undefined && answer.status !== 'delivered');
      });
    }
    const retryAt = answered ? undefined : (await this.retry.recordFailure(destination)).retryTime;
    return message.recipients.map(
      (recipient): RemoteOutcome =>
        answers.get(recipient) ?? { recipient, status: 'deferred', reply: lastReply, retryAt },
    );
  }

  /** @throws DeliveryError permanent for a domain that does not exist or takes no mail */
  private async targets(route: RemoteRoute): Promise<SmtpTarget[]> {
    if (route.relays) {
      // A relay whose name does not resolve is skipped, as one that does not answer.
      return (await Promise.all(route.relays.map((relay) => this.resolver.host(relay)))).flat();
    }
    const targets = this.routes.mailServerHost
      ? await this.resolver.host(this.routes.mailServerHost)
      : await this.resolver.targets(route.domain);
    if (this.routes.firewallHost) targets.push(...(await this.resolver.host(this.routes.firewallHost)));
    return targets;
  }

  /**
   * The recipients' transactions with one host, on one connection: one per distinct NOTIFY/ORCPT
   * (usually just one). A recipient is answered once the host replied to its MAIL, RCPT or DATA;
   * a host that fails before that (refused, timed out, a 4xx/5xx greeting, a dropped connection)
   * leaves the rest unanswered, for the next host.
   */
  private async tryTarget(target: SmtpTarget, message: RemoteMessage): Promise<Attempt> {
    const outcomes: RemoteOutcome[] = [];
    let error: string | undefined;
    let connection: SMTPConnection | undefined;
    let reusable = false;
    try {
      connection = await this.pool.acquire(target);
      for (const [index, group] of dsnGroups(message.recipients, message.dsn).entries()) {
        // After a transaction the host refused, MAIL would be "nested": start each one clean.
        if (index > 0) await reset(connection);
        outcomes.push(...(await this.transaction(connection, target, message, group)));
      }
      reusable = true;
    } catch (err) {
      error = replyOf(err).reply;
    } finally {
      if (connection) this.pool.release(target, connection, reusable);
    }
    const done = new Set(outcomes.map((outcome) => outcome.recipient));
    return { outcomes, unanswered: message.recipients.filter((r) => !done.has(r)), error };
  }

  /**
   * One SMTP transaction. Resolves with per-recipient outcomes once the host has answered MAIL,
   * RCPT or DATA (a 5xx to MAIL fails everyone); rejects when it did not get that far.
   */
  private async transaction(
    connection: SMTPConnection,
    target: SmtpTarget,
    message: RemoteMessage,
    group: DsnGroup,
  ): Promise<RemoteOutcome[]> {
    const { ret, envid } = message.dsn ?? {};
    const dsn =
      ret || envid || group.notify || group.orcpt
        ? // @types/nodemailer spells FULL 'Full'; nodemailer upper-cases whatever it gets.
          { ret: ret as SMTPConnection.DSNOptions['ret'], envid, notify: group.notify, orcpt: group.orcpt }
        : undefined;
    const envelope = {
      from: message.mailFrom || (false as const),
      to: group.recipients,
      size: message.size,
      use8BitMime: true,
      // nodemailer writes these only to a host that advertised DSN (RFC 3461 §5.2.2).
      dsn,
    };
    const remoteMta = target.host;
    const nextHopNotifies = advertisesDsn(connection);
    const body = await message.open();
    // Once the body is handed over only the final dot is left: its reply gets its own timeout.
    body.once('end', () => this.pool.finalReply(connection));
    return new Promise((resolve, reject) => {
      connection.send(envelope, body, (err, info) => {
        body.destroy();
        this.pool.commandReplies(connection);
        if (!err && info) {
          const rejected = new Map(
            (info.rejectedErrors ?? []).map((e) => [(e as { recipient?: string }).recipient, replyOf(e)]),
          );
          resolve(
            group.recipients.map((recipient): RemoteOutcome => {
              const refusal = rejected.get(recipient);
              if (!refusal) {
                return { recipient, status: 'delivered', reply: info.response, remoteMta, nextHopNotifies };
              }
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
          group.recipients.map((recipient) =>
            refused(recipient, byRecipient.get(recipient) ?? failure, remoteMta),
          ),
        );
      });
    });
  }
}

/** The recipients by their NOTIFY and ORCPT (RFC 3461 §4.1-4.2), in their order. */
function dsnGroups(recipients: string[], dsn: DsnParams | undefined): DsnGroup[] {
  const groups = new Map<string, DsnGroup>();
  for (const recipient of recipients) {
    const { notify, orcpt } = dsn?.recipients?.[recipient] ?? {};
    const key = JSON.stringify([notify ?? null, orcpt ?? null]);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { notify, orcpt, recipients: [] }));
    group.recipients.push(recipient);
  }
  return [...groups.values()];
}

function reset(connection: SMTPConnection): Promise<void> {
  return new Promise((resolve, reject) => connection.reset((err) => (err ? reject(err) : resolve())));
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
