/**
 * Mailbox events inside one process: the fan-out by account, unsubscribing, a failing listener, the
 * wire format's checks, and a bus without Redis telling its own listeners.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { MailboxEvent } from '../../core/mailbox-events/index.js';
import { MailboxEventBus } from '../../core/mailbox-events/index.js';
import { SubscriberTable } from '../../core/mailbox-events/subscriber-table.js';
import { decodeEvent, encodeEvent } from '../../core/mailbox-events/wire-format.js';
import { quietLogger } from '../helpers/logger.js';

const alice = { domain: 'example.org', name: 'alice' };
const bob = { domain: 'example.org', name: 'bob' };
const append = (account = alice, path = 'INBOX'): MailboxEvent => ({ account, path, kind: 'append' });

function table(errors: unknown[] = []): SubscriberTable {
  return new SubscriberTable((err) => errors.push(err));
}

describe('mailbox events: the fan-out in one process', () => {
  it('tells every listener of the account, and only those', () => {
    const subscribers = table();
    const heard: string[] = [];
    subscribers.add(alice, () => heard.push('alice 1'));
    subscribers.add(alice, () => heard.push('alice 2'));
    subscribers.add(bob, () => heard.push('bob'));
    subscribers.dispatch(append(alice));
    assert.deepEqual(heard, ['alice 1', 'alice 2']);
    assert.equal(subscribers.size, 3);
    assert.equal(subscribers.accounts, 2);
  });

  it('compares account names case-insensitively, as the directory does', () => {
    const subscribers = table();
    const heard: MailboxEvent[] = [];
    subscribers.add({ domain: 'Example.ORG', name: 'Alice' }, (event) => heard.push(event));
    subscribers.dispatch(append({ domain: 'example.org', name: 'ALICE' }));
    assert.equal(heard.length, 1);
  });

  it('unsubscribes one subscription, the same listener subscribed twice included, once', () => {
    const subscribers = table();
    let calls = 0;
    const listener = () => void calls++;
    const first = subscribers.add(alice, listener);
    const second = subscribers.add(alice, listener);
    subscribers.dispatch(append());
    assert.equal(calls, 2);
    first();
    first(); // a second call does nothing: the other subscription stays
    subscribers.dispatch(append());
    assert.equal(calls, 3);
    assert.equal(subscribers.size, 1);
    second();
    subscribers.dispatch(append());
    assert.equal(calls, 3);
    assert.equal(subscribers.size, 0);
    assert.equal(subscribers.accounts, 0, 'an account without listeners is forgotten');
    assert.equal(subscribers.has('alice@example.org'), false);
  });

  it('does not call a listener unsubscribed by another one during the same event', () => {
    const subscribers = table();
    const heard: string[] = [];
    let unsubscribeSecond = () => {};
    subscribers.add(alice, () => (heard.push('first'), unsubscribeSecond()));
    unsubscribeSecond = subscribers.add(alice, () => heard.push('second'));
    subscribers.dispatch(append());
    assert.deepEqual(heard, ['first']);
  });

  it('goes on past a listener that throws or rejects, and reports both', async () => {
    const errors: unknown[] = [];
    const subscribers = table(errors);
    const heard: string[] = [];
    subscribers.add(alice, () => {
      throw new Error('thrown');
    });
    subscribers.add(alice, (() => Promise.reject(new Error('rejected'))) as () => void);
    subscribers.add(alice, () => heard.push('third'));
    subscribers.dispatch(append());
    assert.deepEqual(heard, ['third']);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(
      errors.map((err) => (err as Error).message),
      ['thrown', 'rejected'],
    );
  });
});

describe('mailbox events: the message on Redis', () => {
  it('carries the event and its origin', () => {
    const event: MailboxEvent = { ...append(), highestModseq: 7, uidNext: 4 };
    assert.deepEqual(decodeEvent(encodeEvent(event, 'abc')), { event, origin: 'abc' });
    const flags: MailboxEvent = { account: bob, path: 'Archive/2026', kind: 'flags' };
    assert.deepEqual(decodeEvent(encodeEvent(flags, 'x')), { event: flags, origin: 'x' });
  });

  it('refuses what is not an event', () => {
    const good = JSON.parse(encodeEvent(append(), 'o')) as Record<string, unknown>;
    for (const bad of [
      'not json',
      'null',
      '[]',
      JSON.stringify({ ...good, kind: 'delete' }),
      JSON.stringify({ ...good, origin: 1 }),
      JSON.stringify({ ...good, account: 'alice@example.org' }),
      JSON.stringify({ ...good, path: null }),
      JSON.stringify({ ...good, uidNext: -1 }),
      JSON.stringify({ ...good, highestModseq: '5' }),
    ])
      assert.equal(decodeEvent(bad), null, bad);
  });
});

describe('mailbox events: a bus without Redis', () => {
  it('tells the listeners of its process, after publish returned, a copy they cannot change', async () => {
    const bus = await MailboxEventBus.open({ logger: quietLogger() });
    const heard: MailboxEvent[] = [];
    let received!: () => void;
    const done = new Promise<void>((resolve) => (received = resolve));
    const unsubscribe = bus.subscribe(alice, (event) => (heard.push(event), received()));
    const event: MailboxEvent = { ...append(), highestModseq: 3 };
    bus.publish(event);
    assert.equal(heard.length, 0, 'publish does not run listeners on the writer’s stack');
    await done;
    assert.deepEqual(heard, [event]);
    assert.notEqual(heard[0], event);
    assert.ok(Object.isFrozen(heard[0]) && Object.isFrozen(heard[0].account));
    assert.deepEqual(bus.stats, { subscriptions: 1, accounts: 1, published: 0, publishFailures: 0 });
    unsubscribe();
    assert.equal(bus.stats.subscriptions, 0);
    await bus.close();
    bus.publish(event); // after close: nothing, no error
    assert.equal(bus.stats.subscriptions, 0);
  });
});
