import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { combine, nextTry, remoteOutcome, type Outcome } from '../../plugins/queue/outcome.js';
import { actionKey } from '../../plugins/queue/recipient-plan.js';

/** The pure rules of a delivery try (issue "Core in shape", item 8). */
describe('delivery outcome rules', () => {
  const delivered = (destination: string, more: Partial<Outcome> = {}): Outcome =>
    ({ status: 'delivered', destination, ...more }) as Outcome;

  it('combine: any deferral defers, else any failure fails, else delivered to every destination', () => {
    const deferred: Outcome = { status: 'deferred', error: '451 later' };
    const failed: Outcome = { status: 'failed', error: '550 no', summary: 'No such mailbox' };
    assert.deepEqual(combine([delivered('a'), failed, deferred]), deferred);
    assert.deepEqual(combine([delivered('a'), failed]), failed);
    assert.deepEqual(combine([]), { status: 'delivered', destination: 'nothing to deliver' });
    assert.deepEqual(
      combine([delivered('a'), delivered('smtp:mx', { remoteMta: 'mx', nextHopNotifies: true })]),
      {
        status: 'delivered',
        destination: 'a, smtp:mx',
        remoteMta: 'mx',
        nextHopNotifies: false,
      },
    );
    assert.deepEqual(combine([delivered('smtp:mx', { remoteMta: 'mx', nextHopNotifies: true })]), {
      status: 'delivered',
      destination: 'smtp:mx',
      remoteMta: 'mx',
      nextHopNotifies: true,
    });
  });

  it('remoteOutcome: reads a host answer as an outcome', () => {
    const retryAt = new Date(5000);
    assert.deepEqual(
      remoteOutcome({
        recipient: 'r@x',
        status: 'delivered',
        reply: '250 ok',
        remoteMta: 'mx',
        nextHopNotifies: false,
      }),
      { status: 'delivered', destination: 'smtp:mx', remoteMta: 'mx', nextHopNotifies: false },
    );
    assert.deepEqual(remoteOutcome({ recipient: 'r@x', status: 'failed', reply: '550 no', summary: 'S' }), {
      status: 'failed',
      error: '550 no',
      summary: 'S',
      remoteMta: undefined,
    });
    assert.deepEqual(remoteOutcome({ recipient: 'r@x', status: 'deferred', reply: '451 later', retryAt }), {
      status: 'deferred',
      error: '451 later',
      retryAt,
    });
  });

  it('nextTry: the earliest retry time, minRetryMs without one, capped by expiry, never before now + 1', () => {
    const timing = { minRetryMs: 1000, expiryMs: 60_000 };
    const progressAt = new Date(0).toISOString();
    const at = (ms: number): Outcome => ({ status: 'deferred', error: 'e', retryAt: new Date(ms) });
    const plain: Outcome = { status: 'deferred', error: 'e' };
    assert.equal(nextTry([at(30_000), at(20_000)], progressAt, timing, 10_000), 20_000);
    assert.equal(nextTry([at(30_000), plain], progressAt, timing, 10_000), 11_000);
    assert.equal(nextTry([at(90_000)], progressAt, timing, 10_000), 60_001);
    assert.equal(nextTry([at(5_000)], progressAt, timing, 10_000), 10_001);
    assert.equal(nextTry([plain], progressAt, timing, 70_000), 70_001);
  });

  it('actionKey: names what an action does, the same on every try', () => {
    const account = { name: 'joe', domain: 'x.test' };
    assert.equal(
      actionKey({ kind: 'store', account, folder: 'INBOX', returnPath: 'a@b' }),
      'store:joe@x.test',
    );
    assert.equal(actionKey({ kind: 'forward', to: 't@y', mailFrom: 'f@z' }), 'forward:f@z>t@y');
    assert.equal(actionKey({ kind: 'remote', address: 'r@y', relay: ['h'] }), 'remote:r@y');
    assert.equal(
      actionKey({ kind: 'reject', code: 452, text: '4.2.2 <joe@x.test>: mailbox full', permanent: false }),
      'reject:452',
    );
    assert.equal(actionKey({ kind: 'discard', reason: 'filter' }), 'discard');
  });
});
