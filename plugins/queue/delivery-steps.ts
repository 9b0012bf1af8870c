import { outboundBody } from './job.js';
import type { DeliveryJobData } from './job.js';
import type { DeliveryWorkerDeps } from './delivery-worker.js';
import type { ForwardTarget, LocalStep, RemoteGroup } from './delivery-plan.js';
import type { LocalDelivery } from './local-delivery.js';
import { remoteOutcome, type Outcome } from './outcome.js';
import type { QueuedBody } from './queued-body.js';

/**
 * The executors of a delivery try's plan (delivery-plan.ts), one per kind of action: a settled
 * outcome, a local store, a forward, a remote transaction. Each carries out its action and tells
 * the try the outcome (`note`) and which action keys are now done (`markDone`); none writes the
 * job, which the worker does where a crash must not repeat what was done (job-progress.ts).
 */
export interface TryContext {
  deps: DeliveryWorkerDeps;
  data: DeliveryJobData;
  queueId: string;
  log(line: string): void;
  note(recipient: string, outcome: Outcome): void;
  /** Records an action as carried out, so no later try repeats it. */
  markDone(key: string): void;
}

/** An outcome the plan settled without doing anything (a rejection, a discard, a bad address). */
export function settle(ctx: TryContext, step: Extract<LocalStep, { kind: 'settle' }>): void {
  if (step.log) ctx.log(step.log);
  ctx.note(step.recipient, step.outcome);
  if (step.key) ctx.markDone(step.key);
}

/**
 * One store into a local INBOX. The job's last use of its body hands the queue's reference over
 * to the new mailbox message (queued-body.ts). Not saved at once: a repeated store finds its
 * delivery key and adds nothing.
 */
export async function storeLocally(
  ctx: TryContext,
  local: LocalDelivery,
  body: QueuedBody,
  pending: string[],
  step: Extract<LocalStep, { kind: 'store' }>,
): Promise<void> {
  const adopt = step.only && (await body.mayHandOver(pending, local));
  if (adopt) await body.handOver();
  const outcome = await local.deliver({
    recipient: step.recipient,
    account: step.account,
    returnPath: step.returnPath,
    deliveryKey: `${ctx.queueId}/${step.key}`,
    adoptQueueReference: adopt,
  });
  if (adopt && outcome.status !== 'delivered') body.takeBack();
  if (outcome.status === 'delivered') ctx.markDone(step.key);
  ctx.note(
    step.recipient,
    outcome.status === 'delivered' ? outcome : { ...outcome, summary: 'No such mailbox' },
  );
}

/** One new message for the targets of one reverse path (forwarding.ts). */
export async function forwardTo(ctx: TryContext, mailFrom: string, targets: ForwardTarget[]): Promise<void> {
  const id = await ctx.deps.forwarder.forward(ctx.data, ctx.queueId, mailFrom, [
    ...new Set(targets.map((t) => t.to)),
  ]);
  ctx.log(`forwarded to ${targets.map((t) => t.to).join(', ')} as ${id}`);
  for (const { recipient, key, to } of targets) {
    ctx.note(recipient, { status: 'delivered', destination: `forwarded to ${to}` });
    ctx.markDone(key);
  }
}

/** One remote send for the targets of one domain and relay list (remote-delivery.ts). */
export async function sendRemote(ctx: TryContext, { route, targets }: RemoteGroup): Promise<void> {
  const { deps, data } = ctx;
  const results = await deps.remote.send(
    route,
    {
      mailFrom: data.mailFrom,
      recipients: [...new Set(targets.map((t) => t.address))],
      ...outboundBody(deps.storage.blobs, data),
      dsn: data.dsn,
    },
    (line) => Promise.resolve(ctx.log(line)),
  );
  for (const result of results) {
    const outcome = remoteOutcome(result);
    for (const target of targets.filter((t) => t.address === result.recipient)) {
      ctx.note(target.recipient, outcome);
      if (outcome.status === 'delivered') ctx.markDone(target.key);
    }
  }
}
