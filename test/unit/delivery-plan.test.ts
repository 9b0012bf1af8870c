import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { emptyPlan, planRecipient } from '../../plugins/queue/delivery-plan.js';
import type { PlannedAction } from '../../plugins/queue/recipient-plan.js';

/** The pure planning step of a delivery try (issue "Core in shape", item 8). */
describe('delivery plan', () => {
  const joe = { name: 'joe', domain: 'x.test' };
  const none = new Set<string>();

  it('a bad address settles as failed, with nothing planned', () => {
    const plan = emptyPlan();
    assert.deepEqual(planRecipient(plan, 'a/b@x.test', { invalidAddress: 'bad name' }, none), [
      {
        kind: 'settle',
        recipient: 'a/b@x.test',
        outcome: { status: 'failed', error: '553 5.1.3 <a/b@x.test>: bad name', summary: 'Bad address' },
      },
    ]);
    assert.deepEqual(plan, emptyPlan());
  });

  it('stores, rejections and discards are steps in action order; forwards and remote sends are batched', () => {
    const plan = emptyPlan();
    const actions: PlannedAction[] = [
      { key: 'r@x#0:store', action: { kind: 'store', account: joe, folder: 'INBOX', returnPath: 's@y' } },
      { key: 'r@x#1:fwd', action: { kind: 'forward', to: 't@z', mailFrom: 'owner@x' } },
      { key: 'r@x#2:rem', action: { kind: 'remote', address: 'u@Far.Test' } },
      { key: 'r@x#3:rej', action: { kind: 'reject', code: 452, text: '4.2.2 full', permanent: false } },
      { key: 'r@x#4:rej', action: { kind: 'reject', code: 550, text: '5.2.1 disabled', permanent: true } },
      { key: 'r@x#5:discard', action: { kind: 'discard', reason: 'filtered' } },
      { key: 'r@x#6:rem', action: { kind: 'remote', address: 'v@far.test', relay: ['relay:2525'] } },
    ];
    assert.deepEqual(planRecipient(plan, 'r@x', { actions }, none), [
      { kind: 'store', recipient: 'r@x', key: 'r@x#0:store', account: joe, returnPath: 's@y', only: false },
      { kind: 'settle', recipient: 'r@x', outcome: { status: 'deferred', error: '452 4.2.2 full' } },
      {
        kind: 'settle',
        recipient: 'r@x',
        outcome: { status: 'failed', error: '550 5.2.1 disabled', summary: 'Delivery refused' },
      },
      {
        kind: 'settle',
        recipient: 'r@x',
        outcome: { status: 'delivered', destination: 'discarded' },
        key: 'r@x#5:discard',
        log: 'r@x: filtered',
      },
    ]);
    assert.deepEqual([...plan.forwards], [['owner@x', [{ recipient: 'r@x', key: 'r@x#1:fwd', to: 't@z' }]]]);
    assert.deepEqual(
      [...plan.remote],
      [
        [
          '["far.test",null]',
          {
            route: { domain: 'far.test', relays: undefined },
            targets: [{ recipient: 'r@x', key: 'r@x#2:rem', address: 'u@Far.Test' }],
          },
        ],
        [
          '["far.test",["relay:2525"]]',
          {
            route: { domain: 'far.test', relays: ['relay:2525'] },
            targets: [{ recipient: 'r@x', key: 'r@x#6:rem', address: 'v@far.test' }],
          },
        ],
      ],
    );
  });

  it('joins batches across recipients and leaves out actions already done', () => {
    const plan = emptyPlan();
    const to = (recipient: string, address: string): PlannedAction[] => [
      { key: `${recipient}#0:remote:${address}`, action: { kind: 'remote', address } },
      { key: `${recipient}#1:forward`, action: { kind: 'forward', to: 'list@z', mailFrom: '' } },
    ];
    assert.deepEqual(planRecipient(plan, 'a@x', { actions: to('a@x', 'a@far.test') }, none), []);
    const done = new Set(['b@x#1:forward']);
    assert.deepEqual(planRecipient(plan, 'b@x', { actions: to('b@x', 'b@far.test') }, done), []);
    assert.deepEqual([...plan.forwards], [['', [{ recipient: 'a@x', key: 'a@x#1:forward', to: 'list@z' }]]]);
    assert.deepEqual(plan.remote.get('["far.test",null]')?.targets, [
      { recipient: 'a@x', key: 'a@x#0:remote:a@far.test', address: 'a@far.test' },
      { recipient: 'b@x', key: 'b@x#0:remote:b@far.test', address: 'b@far.test' },
    ]);
  });

  it('a store that is the one action is marked only; a done store is no step', () => {
    const store: PlannedAction = {
      key: 'r@x#0:store:joe@x.test',
      action: { kind: 'store', account: joe, folder: 'INBOX', returnPath: '' },
    };
    assert.deepEqual(planRecipient(emptyPlan(), 'r@x', { actions: [store] }, none), [
      { kind: 'store', recipient: 'r@x', key: store.key, account: joe, returnPath: '', only: true },
    ]);
    assert.deepEqual(planRecipient(emptyPlan(), 'r@x', { actions: [store] }, new Set([store.key])), []);
  });
});
