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
import { pendingRecipients, type DeliveryJobData } from './job.js';
import { JobProgress } from './job-progress.js';
import { LocalDelivery } from './local-delivery.js';
import { QueuedBody } from './queued-body.js';
import { expandRecipient } from './recipient-plan.js';
import { announce, reportSettled } from './try-report.js';
import { emptyPlan, planRecipient, type Answer } from './delivery-plan.js';
import { forwardTo, sendRemote, settle, storeLocally, type TryContext } from './delivery-steps.js';
import { combine, nextTry, type Outcome } from './outcome.js';
import type { RemoteDelivery } from './remote-delivery.js';
import type { Reporter } from './reports.js';
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

/**
 * Expands every pending recipient (recipient-plan.ts) and plans it (delivery-plan.ts), carrying
 * out its stores and settled outcomes in its turn; then the forwards, in one new message per
 * reverse path, and the remote sends, in one transaction per destination domain
 * (delivery-steps.ts). A recipient's outcome is the worst of its actions' (outcome.ts, combine).
 * Only actions that succeeded are recorded as done: a retry, or an administrator's resubmission of
 * a frozen message, repeats the others and never the copies already made.
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
  const outcomes = new Map<string, Outcome[]>(pending.map((recipient) => [recipient, []]));
  const ctx: TryContext = {
    deps,
    data,
    queueId,
    log: (line) => progress.log(line),
    note: (recipient, outcome) => void outcomes.get(recipient)!.push(outcome),
    markDone: (actionKey) => void (data.settledActions ??= []).push(actionKey),
  };
  const done = new Set(data.settledActions ?? []);
  const plan = emptyPlan();
  const openBody = () => deps.storage.blobs.openBlob(data.blobId);
  // Holds this try's Return-Path copy of the body (local-delivery.ts) until the try is over.
  const local = new LocalDelivery(deps.storage, data);
  try {
    for (const recipient of pending) {
      let answer: Answer;
      try {
        answer = { actions: await expandRecipient(deps.expander, data, queueId, recipient, openBody) };
      } catch (err) {
        if (!(err instanceof InvalidNameError)) throw err;
        answer = { invalidAddress: err.message };
      }
      for (const step of planRecipient(plan, recipient, answer, done)) {
        if (step.kind === 'settle') settle(ctx, step);
        else await storeLocally(ctx, local, body, pending, step);
      }
    }

    for (const [mailFrom, targets] of plan.forwards) {
      await forwardTo(ctx, mailFrom, targets);
      await progress.save(); // a forward repeated after a crash would be a second copy
    }

    await Promise.all(
      [...plan.remote.values()].map(async (group) => {
        await sendRemote(ctx, group);
        await progress.save(); // so is a remote transaction
      }),
    );
  } finally {
    await local.close();
  }
  for (const [recipient, results] of outcomes) record(recipient, combine(results));
}
