import type { RemoteOutcome } from './remote-delivery.js';

/**
 * What one try made of a recipient, and the pure rules on it: how a recipient's actions combine
 * into one outcome, how a remote host's answer reads as one, and when the job is tried next. Kept
 * apart from the delivery worker so these rules can be tested without a queue, storage or network.
 */
export type Outcome =
  /** `nextHopNotifies`: relayed to a host that takes over DSNs (RFC 3461 §5.2.1). */
  | { status: 'delivered'; destination: string; remoteMta?: string; nextHopNotifies?: boolean }
  | { status: 'failed'; error: string; summary: string; remoteMta?: string }
  | { status: 'deferred'; error: string; retryAt?: Date };

/** A recipient's outcome from its actions': any deferral defers it, else any failure fails it. */
export function combine(results: Outcome[]): Outcome {
  const deferred = results.find((r) => r.status === 'deferred');
  if (deferred) return deferred;
  const failed = results.find((r) => r.status === 'failed');
  if (failed) return failed;
  const delivered = results.filter(
    (r): r is Extract<Outcome, { status: 'delivered' }> => r.status === 'delivered',
  );
  if (delivered.length === 0) return { status: 'delivered', destination: 'nothing to deliver' };
  const remoteMta = delivered.find((r) => r.remoteMta)?.remoteMta;
  const nextHopNotifies = delivered.every((r) => r.nextHopNotifies);
  return {
    status: 'delivered',
    destination: delivered.map((r) => r.destination).join(', '),
    remoteMta,
    nextHopNotifies,
  };
}

export function remoteOutcome(result: RemoteOutcome): Outcome {
  switch (result.status) {
    case 'delivered':
      return {
        status: 'delivered',
        destination: `smtp:${result.remoteMta}`,
        remoteMta: result.remoteMta,
        nextHopNotifies: result.nextHopNotifies,
      };
    case 'failed':
      return { status: 'failed', error: result.reply, summary: result.summary, remoteMta: result.remoteMta };
    case 'deferred':
      return { status: 'deferred', error: result.reply, retryAt: result.retryAt };
  }
}

/**
 * The earliest retry time among the deferred recipients (a deferral without a time of its own
 * waits `minRetryMs`), never past the expiry time, never before `now + 1`.
 */
export function nextTry(
  deferred: Outcome[],
  progressAt: string,
  timing: { minRetryMs: number; expiryMs: number },
  now = Date.now(),
): number {
  const times = deferred.map((outcome) =>
    outcome.status === 'deferred' && outcome.retryAt ? outcome.retryAt.getTime() : now + timing.minRetryMs,
  );
  const expiresAt = Date.parse(progressAt) + timing.expiryMs + 1;
  return Math.max(now + 1, Math.min(...times, expiresAt));
}
