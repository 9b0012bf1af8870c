/**
 * The listeners of one process, by account: one small entry per subscription, so that ten thousand
 * idle IMAP sessions cost a set entry and a closure each, and no Redis subscription of their own
 * (the process has one, mailbox-event-bus.ts).
 */
import type { AccountKey } from '../model/directory.js';
import type { MailboxEvent, MailboxEventListener } from './mailbox-event.js';

/** How accounts are told apart: account names compare case-insensitively, domains are lower-case. */
export function accountId(account: AccountKey): string {
  return `${account.name.toLowerCase()}@${account.domain.toLowerCase()}`;
}

/** One subscription (an object of its own: the same listener may subscribe twice). */
interface Subscription {
  readonly listener: MailboxEventListener;
}

export class SubscriberTable {
  private readonly byAccount = new Map<string, Set<Subscription>>();
  private total = 0;

  /**
   * `onListenerError` hears what a listener threw (or the promise it returned rejected with); the
   * other listeners are told all the same.
   */
  constructor(private readonly onListenerError: (err: unknown) => void) {}

  add(account: AccountKey, listener: MailboxEventListener): () => void {
    const id = accountId(account);
    let subscriptions = this.byAccount.get(id);
    if (!subscriptions) this.byAccount.set(id, (subscriptions = new Set()));
    const subscription: Subscription = { listener };
    subscriptions.add(subscription);
    this.total++;
    return () => this.remove(id, subscription);
  }

  /** Whether some listener in this process listens to the account (`accountId` form). */
  has(id: string): boolean {
    return this.byAccount.has(id);
  }

  /** Subscriptions in this process. */
  get size(): number {
    return this.total;
  }

  /** Accounts with at least one subscription in this process. */
  get accounts(): number {
    return this.byAccount.size;
  }

  /** Calls every listener of the event's account. */
  dispatch(event: MailboxEvent): void {
    const subscriptions = this.byAccount.get(accountId(event.account));
    if (!subscriptions) return;
    // A listener that unsubscribes (itself or another) while this runs is not called afterwards.
    for (const { listener } of subscriptions) {
      try {
        const result: unknown = listener(event);
        if (result instanceof Promise) result.catch(this.onListenerError);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }

  clear(): void {
    this.byAccount.clear();
    this.total = 0;
  }

  private remove(id: string, subscription: Subscription): void {
    const subscriptions = this.byAccount.get(id);
    if (!subscriptions?.delete(subscription)) return;
    this.total--;
    if (subscriptions.size === 0) this.byAccount.delete(id);
  }
}
