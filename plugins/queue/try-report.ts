import type { DeliveryJobData } from './job.js';
import type { DeliveryWorkerDeps } from './delivery-worker.js';
import type { Outcome } from './outcome.js';
import type { ReportLine } from './reports.js';

/**
 * The report executors of a delivery try: once every pending recipient has its outcome, the
 * hooks, metrics and job log lines for each, and the report (RFC 3464) to the reverse path of the
 * failures, and of the successes NOTIFY asks for, not reported yet. Apart from the worker because
 * they only read the try's outcomes and write nothing but `data.reported`.
 */

/** Hooks, metrics and the job log for this try's outcomes. */
export async function announce(
  deps: DeliveryWorkerDeps,
  queueId: string,
  outcomes: Map<string, Outcome>,
  log: (line: string) => void,
): Promise<void> {
  for (const [recipient, outcome] of outcomes) {
    if (outcome.status === 'delivered') {
      deps.metrics.countMessage('delivered');
      log(`${recipient}: delivered to ${outcome.destination}`);
      await deps.hooks.emit('delivered', { queueId, recipient, destination: outcome.destination });
    } else if (outcome.status === 'failed') {
      deps.metrics.countMessage('bounced');
      deps.logger.warn({ queueId, recipient, error: outcome.error }, 'delivery failed permanently');
      log(`${recipient}: failed: ${outcome.error}`);
      await deps.hooks.emit('bounced', { queueId, recipient, error: outcome.error });
    } else {
      const retryAt = outcome.retryAt ?? new Date(Date.now() + deps.minRetryMs);
      deps.metrics.countMessage('deferred');
      log(`${recipient}: deferred until ${retryAt.toISOString()}: ${outcome.error}`);
      await deps.hooks.emit('deferred', { queueId, recipient, error: outcome.error, retryAt });
    }
  }
}

/** Reports failures (and successes where NOTIFY asks for them) not reported yet. */
export async function reportSettled(
  deps: DeliveryWorkerDeps,
  data: DeliveryJobData,
  outcomes: Map<string, Outcome>,
  log: (line: string) => void,
): Promise<void> {
  const lines: ReportLine[] = [];
  for (const [recipient, outcome] of outcomes) {
    if (outcome.status === 'deferred' || data.reported.includes(recipient)) continue;
    if (outcome.status === 'failed') {
      lines.push({
        recipient,
        action: 'failed',
        reply: outcome.error,
        summary: outcome.summary,
        remoteMta: outcome.remoteMta,
      });
    } else if (outcome.destination !== 'discarded' && !outcome.nextHopNotifies) {
      // Relayed to a host without DSN: a "relayed" report if NOTIFY asks for SUCCESS (RFC 3461
      // §5.2.2). A host with DSN got the NOTIFY and reports success itself (§5.2.1), so no line.
      lines.push({
        recipient,
        action: outcome.remoteMta ? 'relayed' : 'delivered',
        reply: '250 2.0.0 delivered',
        summary: outcome.remoteMta ? `Relayed to ${outcome.remoteMta}` : 'Delivered',
        remoteMta: outcome.remoteMta,
      });
    }
  }
  if (lines.length === 0) return;
  const reportId = await deps.reporter.report(data, lines);
  data.reported.push(...lines.map((line) => line.recipient));
  if (reportId) log(`report to <${data.mailFrom}> queued as ${reportId}`);
}
