import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SMTPServerSession } from 'smtp-server';
import { NetworkList, type FrozenQueue } from '../../core/index.js';
import { etrnHandler } from '../../plugins/smtp/etrn.js';

/** The patterns ETRN asked the queue to flush; every one "finds" one deferred message. */
function recordingQueue(): { frozen: FrozenQueue; patterns: string[] } {
  const patterns: string[] = [];
  const frozen = {
    rescheduleDeferred: (pattern: string) => (patterns.push(pattern), Promise.resolve(1)),
  } as unknown as FrozenQueue;
  return { frozen, patterns };
}

const session = (remoteAddress: string, user?: string) => ({ remoteAddress, user }) as SMTPServerSession;

describe('SMTP ETRN (RFC 1985): who may ask, and which deliveries a node names', () => {
  it('refuses a client that is neither authenticated nor on a trusted network, touching nothing', async () => {
    const { frozen, patterns } = recordingQueue();
    const etrn = etrnHandler({ frozen, trusted: new NetworkList(['127.0.0.0/8']) });
    assert.deepEqual(await etrn('example.org', session('192.0.2.7')), {
      code: 459,
      text: '4.7.1 Node example.org not allowed: authenticate or connect from a trusted network',
    });
    assert.deepEqual(patterns, []);
    assert.equal((await etrn('example.org', session('192.0.2.7', 'alice@example.org'))).code, 253);
  });

  it('maps a domain to its recipients, and @domain to the domain and its subdomains', async () => {
    const { frozen, patterns } = recordingQueue();
    const etrn = etrnHandler({ frozen, trusted: new NetworkList(['::1/128']) });
    assert.equal(
      (await etrn('Example.ORG', session('::1'))).text,
      '2.0.0 OK, 1 pending messages for node Example.ORG started',
    );
    assert.equal(
      (await etrn('@example.net', session('::1'))).text,
      '2.0.0 OK, 2 pending messages for node @example.net started',
    );
    assert.deepEqual(patterns, ['*@Example.ORG', '*@example.net', '*@*.example.net']);
    for (const bad of ['*.example.org', 'a..b', 'exa mple', '-x.org', '@']) {
      assert.equal((await etrn(bad, session('::1'))).code, 501, bad);
    }
    assert.deepEqual(patterns.length, 3, 'nothing flushed for a bad node');
  });
});
