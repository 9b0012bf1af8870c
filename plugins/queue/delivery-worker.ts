import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import {
  hopExcess,
  InvalidNameError,
  type DeliveryExpander,
  type HookBus,
  type Metrics,
  type Storage,
} from '../../core/index.js';
import type { Forwarder } from './forwarding.js';
import { outboundBody, pendingRecipients, type DeliveryJobData } from './job.js';
import { JobProgress } from './job-progress.js';
import { LocalDelivery } from './local-delivery.js';
import { QueuedBody } from './queued-body.js';
import { planRecipient } from './recipient-plan.js';
import { combine, nextTry, remoteOutcome, type Outcome } from './outcome.js';
import type { RemoteDelivery, RemoteRoute } from './remote-delivery.js';
import type { ReportLine, Reporter } from './reports.js';
import { traceOf } from './trace.js';

export interface DeliveryWorkerDeps {
  expander: DeliveryExpander;
  forwarder: Forwarder;
  storage: Storage;
  hooks: HookBus;
  metrics: Metrics;
  logger: Logger;
  remote: RemoteDelivery;
  reporter: Reporter;
  maximumHops: number;
  expiryMs: number;
  /** Next try of a recipient whose host answered 4xx (no retry state of its own). */
  minRetryMs: number;
}

/** Why the whole message stops here, before any recipient is tried. */
type MessageVerdict =
  { kind: 'deliver' } | { kind: 'fail'; error: string; summary: string } | { kind: 'discard'; error: string };

/**
 * The BullMQ processor for delivery jobs. Each try: the message-wide checks (hop limit, expiry),
 * then every recipient not yet settled, locally or through remote delivery, grouped by
 * destination domain. Progress is written to the job (job-progress.ts) before anything that must not
 * be repeated, so a retry in any process (after a crash too) redoes only what may be repeated.
 *
 * Then: recipients that failed for good are reported to the reverse path (RFC 3464); recipients
 * deferred put the job back as delayed until their destination's next retry time; a job with
 * failures ends failed, which is the frozen state an administrator can list, read, resubmit or
 * delete; a job with every recipient delivered releases the queue's reference to the body.
 */
export function createDeliveryProcessor(
  deps: DeliveryWorkerDeps,
): (job: Job<DeliveryJobData>, token?: string) => Promise<void> {
  return async (job, token) => {
    const queueId = job.id as string;
    const progress = new JobProgress(job, structuredClone(job.data));
    const { data } = progress;
    const body = new QueuedBody(deps.storage.blobs, progress);
    const log = (line: string): void => progress.log(line);
    data.tries += 1;
    data.lastTryAt = new Date().toISOString();
    const pending = pendingRecipients(data);
    log(`try ${data.tries}: ${pending.join(', ')}`);

    const outcomes = new Map<string, Outcome>();
    const record = (recipient: string, outcome: Outcome): void => {
      outcomes.set(recipient, outcome);
      if (outcome.status === 'deferred') data.deferred[recipient] = outcome.error;
      else {
        data.settled.push(recipient);
        delete data.deferred[recipient];
        if (outcome.status === 'failed') data.failures.push({ recipient, ...outcome });
        else data.progressAt = new Date().toISOString();
      }
    };

    const verdict = await messageVerdict(deps, data);
    if (verdict.kind === 'discard') {
      deps.logger.error({ queueId, error: verdict.error }, 'report over the hop limit discarded');
      log(`discarded: ${verdict.error}`);
      for (const recipient of pending) record(recipient, { status: 'delivered', destination: 'discarded' });
      await deps.hooks.emit('bounced', { queueId, recipient: pending.join(','), error: verdict.error });
    } else if (verdict.kind === 'fail') {
      for (const recipient of pending) record(recipient, { status: 'failed', ...verdict });
    } else {
      await deliverPending(deps, progress, body, queueId, pending, record);
    }
    if (verdict.kind !== 'discard') await announce(deps, queueId, outcomes, log);
    await reportSettled(deps, data, outcomes, log);

    const deferred = [...outcomes.values()].filter((outcome) => outcome.status === 'deferred');
    if (deferred.length > 0) {
      await progress.save();
      await job.moveToDelayed(nextTry(deferred, data.progressAt, deps), token);
      throw new DelayedError();
    }
    if (data.failures.length > 0) {
      log('frozen: ' + data.failures.map((failure) => `${failure.recipient}: ${failure.error}`).join('; '));
      await progress.save();
      throw new UnrecoverableError(data.failures.map((failure) => failure.error).join('; '));
    }
    await body.releaseAtEnd();
  };
}

async function messageVerdict(deps: DeliveryWorkerDeps, data: DeliveryJobData): Promise<MessageVerdict> {
  const excess = hopExcess(await traceOf(deps.storage.blobs, data), deps.maximumHops, data.mailFrom);
  if (excess) {
    const error = `554 5.4.6 Hop count exceeded (${excess.hops} > ${excess.limit}): possible mail loop`;
    return data.mailFrom === ''
      ? { kind: 'discard', error }
      : { kind: 'fail', error, summary: 'Hop count exceeded' };
  }
  if (Date.now() - Date.parse(data.progressAt) > deps.expiryMs) {
    const last = Object.values(data.deferred).at(-1);
    return {
      kind: 'fail',
      error: `451 4.4.7 Message expired after no progress since ${data.progressAt}${last ? `; last error: ${last}` : ''}`,
      summary: 'Message expired',
    };
  }
  return { kind: 'deliver' };
}

/** Where one planned action of a recipient goes, for the steps that are batched. */
interface Pending {
  recipient: string;
  key: string;
}

/**
 * Expands every pending recipient (recipient-plan.ts), then carries out its actions: local stores
 * one by one, forwards in one new message per reverse path, remote sends in one transaction per
 * destination domain. A recipient's outcome is the worst of its actions' (deferred, then failed,
 * then delivered). Only actions that succeeded are recorded as done: a retry, or an administrator's
 * resubmission of a frozen message, repeats the others and never the copies already made.
 */
async function deliverPending(
  deps: DeliveryWorkerDeps,
  progress: JobProgress,
  body: QueuedBody,
  queueId: string,
  pending: string[],
  record: (recipient: string, outcome: Outcome) => void,
): Promise<void> {
  const { data } = progress;
  const log = (line: string): void => progress.log(line);
  const markDone = (actionKey: string): void => void (data.settledActions ??= []).push(actionKey);
  const outcomes = new Map<string, Outcome[]>(pending.map((recipient) => [recipient, []]));
  const note = (recipient: string, outcome: Outcome) => outcomes.get(recipient)!.push(outcome);
  const done = new Set(data.settledActions ?? []);
  const forwards = new Map<string, (Pending & { to: string })[]>();
  /** By domain and relay list: one send, so one transaction per host, for each. */
  const remote = new Map<string, { route: RemoteRoute; targets: (Pending & { address: string })[] }>();
  const openBody = () => deps.storage.blobs.openBlob(data.blobId);
  // Holds this try's Return-Path copy of the body (local-delivery.ts) until the try is over.
  const local = new LocalDelivery(deps.storage, data);
  try {
    for (const recipient of pending) {
      let planned;
      try {
        planned = await planRecipient(deps.expander, data, queueId, recipient, openBody);
      } catch (err) {
        if (!(err instanceof InvalidNameError)) throw err;
        note(recipient, {
          status: 'failed',
          error: `553 5.1.3 <${recipient}>: ${err.message}`,
          summary: 'Bad address',
        });
        continue;
      }
      for (const { key, action } of planned) {
        if (done.has(key)) continue;
        switch (action.kind) {
          case 'store': {
            const adopt = planned.length === 1 && (await body.mayHandOver(pending, local));
            if (adopt) await body.handOver();
            const outcome = await local.deliver({
              recipient,
              account: action.account,
              returnPath: action.returnPath,
              deliveryKey: `${queueId}/${key}`,
              adoptQueueReference: adopt,
            });
            if (adopt && outcome.status !== 'delivered') body.takeBack();
            // Not saved at once: a repeated store finds its delivery key and adds nothing.
            if (outcome.status === 'delivered') markDone(key);
            note(
              recipient,
              outcome.status === 'delivered' ? outcome : { ...outcome, summary: 'No such mailbox' },
            );
            break;
          }
          case 'forward':
            forwards.set(action.mailFrom, [
              ...(forwards.get(action.mailFrom) ?? []),
              { recipient, key, to: action.to },
            ]);
            break;
          case 'remote': {
            const domain = action.address.slice(action.address.lastIndexOf('@') + 1).toLowerCase();
            const routeKey = JSON.stringify([domain, action.relay ?? null]);
            const group = remote.get(routeKey) ?? { route: { domain, relays: action.relay }, targets: [] };
            group.targets.push({ recipient, key, address: action.address });
            remote.set(routeKey, group);
            break;
          }
          case 'reject':
            note(
              recipient,
              action.permanent
                ? { status: 'failed', error: `${action.code} ${action.text}`, summary: 'Delivery refused' }
                : { status: 'deferred', error: `${action.code} ${action.text}` },
            );
            break;
          case 'discard':
            log(`${recipient}: ${action.reason}`);
            note(recipient, { status: 'delivered', destination: 'discarded' });
            markDone(key);
            break;
        }
      }
    }

    for (const [mailFrom, targets] of forwards) {
      const id = await deps.forwarder.forward(data, queueId, mailFrom, [
        ...new Set(targets.map((t) => t.to)),
      ]);
      log(`forwarded to ${targets.map((t) => t.to).join(', ')} as ${id}`);
      for (const { recipient, key, to } of targets) {
        note(recipient, { status: 'delivered', destination: `forwarded to ${to}` });
        markDone(key);
      }
      await progress.save(); // a forward repeated after a crash would be a second copy
    }

    await Promise.all(
      [...remote.values()].map(async ({ route, targets }) => {
        const results = await deps.remote.send(
          route,
          {
            mailFrom: data.mailFrom,
            recipients: [...new Set(targets.map((t) => t.address))],
            ...outboundBody(deps.storage.blobs, data),
            dsn: data.dsn,
          },
          (line) => Promise.resolve(log(line)),
        );
        for (const result of results) {
          const outcome = remoteOutcome(result);
          for (const target of targets.filter((t) => t.address === result.recipient)) {
            note(target.recipient, outcome);
            if (outcome.status === 'delivered') markDone(target.key);
          }
        }
        await progress.save(); // so is a remote transaction
      }),
    );
  } finally {
    await local.close();
  }
  for (const [recipient, results] of outcomes) record(recipient, combine(results));
}

/** Hooks, metrics and the job log for this try's outcomes. */
async function announce(
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
async function reportSettled(
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
