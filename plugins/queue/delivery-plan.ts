import type { AccountKey } from '../../core/index.js';
import type { Outcome } from './outcome.js';
import type { PlannedAction } from './recipient-plan.js';
import type { RemoteRoute } from './remote-delivery.js';

/**
 * The planning step of a delivery try, with no I/O: the expander's answer for a recipient (its
 * keyed actions, recipient-plan.ts) and the actions the job already carried out become what to
 * do. Stores and the outcomes settled without doing anything (rejections, discards, a bad
 * address) are steps in the recipient's own turn, in the order of its actions; forwards and
 * remote sends join batches carried out after every recipient is planned: one new message per
 * reverse path, one transaction per destination domain and relay list. Kept pure so what a try
 * will do can be tested without a queue, storage or network; the executors (delivery-steps.ts)
 * carry it out.
 */

/** The expander's answer for one recipient: its keyed actions, or why its address is no address. */
export type Answer = { actions: PlannedAction[] } | { invalidAddress: string };

/** What is done in a recipient's own turn. */
export type LocalStep =
  | {
      kind: 'store';
      recipient: string;
      key: string;
      account: AccountKey;
      returnPath: string;
      /** The store is the recipient's one action (one condition for adopting the queue's body). */
      only: boolean;
    }
  /** An outcome known without doing anything; `key` (discards) is recorded as carried out. */
  | { kind: 'settle'; recipient: string; outcome: Outcome; key?: string; log?: string };

export interface ForwardTarget {
  recipient: string;
  key: string;
  to: string;
}

export interface RemoteTarget {
  recipient: string;
  key: string;
  address: string;
}

export interface RemoteGroup {
  route: RemoteRoute;
  targets: RemoteTarget[];
}

/** The batched sends of a try. */
export interface DeliveryPlan {
  /** By reverse path: one new message each. */
  forwards: Map<string, ForwardTarget[]>;
  /** By domain and relay list (`JSON.stringify([domain, relays])`): one send, so one transaction per host, each. */
  remote: Map<string, RemoteGroup>;
}

export function emptyPlan(): DeliveryPlan {
  return { forwards: new Map(), remote: new Map() };
}

/**
 * Plans one recipient: its forwards and remote sends are added to `plan`; its stores and settled
 * outcomes are returned. Actions whose key is in `done` are left out (a retry, or a resubmission
 * of a frozen message, never repeats a copy already made).
 */
export function planRecipient(
  plan: DeliveryPlan,
  recipient: string,
  answer: Answer,
  done: ReadonlySet<string>,
): LocalStep[] {
  if ('invalidAddress' in answer) {
    const error = `553 5.1.3 <${recipient}>: ${answer.invalidAddress}`;
    return [{ kind: 'settle', recipient, outcome: { status: 'failed', error, summary: 'Bad address' } }];
  }
  const steps: LocalStep[] = [];
  const only = answer.actions.length === 1;
  for (const { key, action } of answer.actions) {
    if (done.has(key)) continue;
    switch (action.kind) {
      case 'store':
        steps.push({
          kind: 'store',
          recipient,
          key,
          account: action.account,
          returnPath: action.returnPath,
          only,
        });
        break;
      case 'forward': {
        const targets = plan.forwards.get(action.mailFrom) ?? [];
        targets.push({ recipient, key, to: action.to });
        plan.forwards.set(action.mailFrom, targets);
        break;
      }
      case 'remote': {
        const domain = action.address.slice(action.address.lastIndexOf('@') + 1).toLowerCase();
        const routeKey = JSON.stringify([domain, action.relay ?? null]);
        const group = plan.remote.get(routeKey) ?? { route: { domain, relays: action.relay }, targets: [] };
        group.targets.push({ recipient, key, address: action.address });
        plan.remote.set(routeKey, group);
        break;
      }
      case 'reject': {
        const error = `${action.code} ${action.text}`;
        const outcome: Outcome = action.permanent
          ? { status: 'failed', error, summary: 'Delivery refused' }
          : { status: 'deferred', error };
        steps.push({ kind: 'settle', recipient, outcome });
        break;
      }
      case 'discard':
        steps.push({
          kind: 'settle',
          recipient,
          outcome: { status: 'delivered', destination: 'discarded' },
          key,
          log: `${recipient}: ${action.reason}`,
        });
        break;
    }
  }
  return steps;
}
