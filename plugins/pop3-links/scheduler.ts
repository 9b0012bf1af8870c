import type { Logger } from 'pino';
import type { DirectoryService, EventLog, Pop3Link, Pop3LinkStore } from '../../core/index.js';
import type { Pop3LinksConfig } from './config.js';
import type { FetchReport } from './fetch-link.js';
import { linkId, type LinkState } from './link-state.js';
import { Pop3CommandError } from './pop3-client.js';
import { Pop3ProtocolError } from './response-reader.js';

/** The check for due links never sleeps longer than this, whatever the interval. */
const MAX_TICK_MS = 30_000;

export interface SchedulerServices {
  config: Pop3LinksConfig;
  links: Pop3LinkStore;
  directory: DirectoryService;
  events: EventLog;
  state: LinkState;
  fetch(link: Pop3Link, abort: AbortSignal): Promise<FetchReport>;
  logger: Logger;
}

/**
 * Fetches every enabled link of an existing account when it is due, in each worker process.
 *
 * Why a per-process timer and a lease rather than BullMQ repeatable jobs: the links live in
 * storage and change through CTRL at any time; a timer that reads them on each tick needs no job
 * to be added, moved or removed when a link is added, disabled or deleted. Every worker looks,
 * the Redis lease lets exactly one of them fetch a link at a time, and the next-attempt time
 * (read again under the lease) keeps the others from fetching it again before it is due.
 */
export class LinkScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private readonly stopping = new AbortController();

  constructor(private readonly services: SchedulerServices) {}

  start(): void {
    this.schedule(0);
  }

  /** Stops ticking and drops the fetches under way (their deletions do not happen). */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.stopping.abort(new Error('the server is shutting down'));
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopping.signal.aborted) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .catch((err: unknown) => this.services.logger.error({ err }, 'checking the POP3 links failed'))
        .finally(() => this.schedule(Math.min(this.services.config.intervalSeconds * 1000, MAX_TICK_MS)));
    }, delayMs);
  }

  private async tick(): Promise<void> {
    const { links, directory, state, config } = this.services;
    const due: Pop3Link[] = [];
    for (const link of await links.listLinks()) {
      if (!link.enabled || (await state.schedule(link)).nextAttempt > Date.now()) continue;
      if ((await directory.getAccount(link.local)) !== null) due.push(link);
    }
    // A few at a time: each is one outbound connection.
    const workers = Array.from({ length: Math.min(config.concurrency, due.length) }, async () => {
      for (let link = due.shift(); link && !this.stopping.signal.aborted; link = due.shift()) {
        await this.run(link);
      }
    });
    await Promise.all(workers);
  }

  private async run(link: Pop3Link): Promise<void> {
    const { state, config, logger } = this.services;
    const lease = await state.lease(link);
    if (!lease) return; // another process is fetching it
    try {
      // Another process may have fetched it between our look and our lease.
      if ((await state.schedule(link)).nextAttempt > Date.now()) return;
      const report = await this.services.fetch(link, AbortSignal.any([lease.lost, this.stopping.signal]));
      await state.recordSuccess(link, Date.now() + config.intervalSeconds * 1000);
      logger.info(
        { link: linkId(link), fetched: report.fetched, deleted: report.deleted },
        'POP3 link fetched',
      );
      for (const message of report.tooLarge) {
        await this.logError(
          link,
          'MessageTooLarge',
          `message ${message.uidl} of ${message.size} octets left on the server`,
        );
      }
    } catch (err) {
      if (this.stopping.signal.aborted) return; // not the link's fault: try again at next start
      const { failures, nextAttempt } = await state.recordFailure(link, (n) => this.backoffMs(n));
      const text = err instanceof Error ? err.message : String(err);
      logger.warn({ err, link: linkId(link), failures }, 'fetching a POP3 link failed');
      await this.logError(link, failureType(err), text, {
        Failures: String(failures),
        NextAttempt: new Date(nextAttempt).toISOString(),
      });
    } finally {
      await lease.release().catch(() => undefined);
    }
  }

  /** The interval, doubled for each further failure in a row, up to maxBackoffSeconds. */
  private backoffMs(failures: number): number {
    const { intervalSeconds, maxBackoffSeconds } = this.services.config;
    return Math.min(intervalSeconds * 2 ** Math.min(failures - 1, 30), maxBackoffSeconds) * 1000;
  }

  private async logError(
    link: Pop3Link,
    type: string,
    text: string,
    extra: Record<string, string> = {},
  ): Promise<void> {
    await this.services.events
      .appendEvent({
        log: 'Errors',
        type,
        text: `POP3 link ${link.remoteUser}@${link.remoteDomain} -> ${link.local.name}@${link.local.domain}: ${text}`,
        params: {
          Mailbox: `${link.local.name}@${link.local.domain}`,
          Address: `${link.remoteUser}@${link.remoteDomain}`,
          Host: link.remoteDomain,
          Protocol: 'POP3',
          ...extra,
        },
      })
      .catch((err: unknown) => this.services.logger.error({ err }, 'writing to the Errors log failed'));
  }
}

/**
 * LoginFailure (the remote server refused the credentials), ConnectFailure (network, TLS, a server
 * that went silent or spoke nonsense), or FetchFailure (anything else, local storage included).
 */
function failureType(err: unknown): string {
  if (err instanceof Pop3CommandError && /^(USER|PASS|APOP)\b/.test(err.command)) return 'LoginFailure';
  if (err instanceof Pop3ProtocolError) return 'ConnectFailure';
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && /^(E[A-Z]+|ERR_TLS|ERR_SSL|CERT|DEPTH|SELF_SIGNED|UNABLE)/.test(code))
    return 'ConnectFailure';
  return 'FetchFailure';
}
