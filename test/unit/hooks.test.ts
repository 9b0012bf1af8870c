import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { HookBus, accept, defer, pass, reject, type HookPayloads } from '../../core/index.js';

const rcpt: HookPayloads['rcpt'] = {
  sessionId: 's1',
  remoteAddress: '127.0.0.1',
  mailFrom: 'a@x.test',
  address: 'b@y.test',
};

/** A bus whose log lines are collected, so tests can assert that failures are logged. */
function busWithLog(timeoutMs = 200): { bus: HookBus; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { bus: new HookBus(pino({ level: 'error' }, sink), timeoutMs), lines };
}

describe('hook bus', () => {
  it('passes when no handler is registered or all pass', async () => {
    const { bus } = busWithLog();
    assert.deepEqual(await bus.run('rcpt', rcpt), { action: 'pass' });
    bus.on('rcpt', 'p1', () => pass());
    assert.deepEqual(await bus.run('rcpt', rcpt), { action: 'pass' });
  });

  it('lets the first handler that does not pass decide, in registration order', async () => {
    const { bus } = busWithLog();
    const called: string[] = [];
    bus.on('rcpt', 'first', () => (called.push('first'), pass()));
    bus.on(
      'rcpt',
      'second',
      async (p) => (
        called.push('second'),
        p.address === 'b@y.test' ? reject(550, '5.1.1 No such user') : pass()
      ),
    );
    bus.on('rcpt', 'third', () => (called.push('third'), accept()));
    assert.deepEqual(await bus.run('rcpt', rcpt), {
      action: 'reject',
      code: 550,
      text: '5.1.1 No such user',
      by: 'second',
    });
    assert.deepEqual(called, ['first', 'second']);
  });

  it('returns accept and defer as given', async () => {
    const a = busWithLog().bus;
    a.on('mail', 'ok', () => accept());
    assert.deepEqual(await a.run('mail', { sessionId: 's', remoteAddress: '::1', address: 'x@y' }), {
      action: 'accept',
      by: 'ok',
    });
    const d = busWithLog().bus;
    d.on('mail', 'grey', () => defer(451, '4.7.1 Greylisted'));
    assert.deepEqual(await d.run('mail', { sessionId: 's', remoteAddress: '::1', address: 'x@y' }), {
      action: 'defer',
      code: 451,
      text: '4.7.1 Greylisted',
      by: 'grey',
    });
  });

  it('turns a throwing handler into a logged temporary failure, never acceptance', async () => {
    const { bus, lines } = busWithLog();
    bus.on('rcpt', 'buggy', () => {
      throw new Error('kaboom');
    });
    bus.on('rcpt', 'later', () => accept());
    const outcome = await bus.run('rcpt', rcpt);
    assert.equal(outcome.action, 'defer');
    assert.equal(outcome.action === 'defer' && outcome.code, 451);
    assert.equal(outcome.by, 'buggy');
    assert.equal(lines.length, 1);
    assert.equal(lines[0].plugin, 'buggy');
    assert.equal(lines[0].hook, 'rcpt');
    assert.match(String((lines[0].err as { message: string }).message), /kaboom/);
  });

  it('turns a slow handler into a temporary failure after its timeout', async () => {
    const { bus, lines } = busWithLog(50);
    bus.on('data', 'slow', () => new Promise((resolve) => setTimeout(() => resolve(accept()), 2_000)));
    const started = Date.now();
    const outcome = await bus.run('data', {
      sessionId: 's',
      envelope: { mailFrom: '', rcptTo: [] },
      size: 1,
    });
    assert.ok(Date.now() - started < 1_000, 'did not wait for the slow handler');
    assert.equal(outcome.action, 'defer');
    assert.match(String((lines[0].err as { message: string }).message), /timed out after 50 ms/);
  });

  it('honours a per-handler timeout', async () => {
    const { bus } = busWithLog(10);
    bus.on(
      'helo',
      'patient',
      () => new Promise((resolve) => setTimeout(() => resolve(reject(550, 'bad helo')), 60)),
      {
        timeoutMs: 1_000,
      },
    );
    assert.deepEqual(await bus.run('helo', { sessionId: 's', hostname: 'x' }), {
      action: 'reject',
      code: 550,
      text: 'bad helo',
      by: 'patient',
    });
  });

  it('treats a malformed result (a forgotten return) as a failure, not as acceptance', async () => {
    const { bus } = busWithLog();
    bus.on('rcpt', 'forgetful', (() => undefined) as never);
    assert.equal((await bus.run('rcpt', rcpt)).action, 'defer');
  });

  it('emit runs every handler of a notification hook even when one fails', async () => {
    const { bus, lines } = busWithLog();
    const seen: string[] = [];
    bus.on('delivered', 'a', () => {
      throw new Error('webhook down');
    });
    bus.on('delivered', 'b', (p) => (seen.push(p.recipient), pass()));
    await bus.emit('delivered', { queueId: 'q1', recipient: 'u@x.test', destination: 'local' });
    assert.deepEqual(seen, ['u@x.test']);
    assert.equal(lines.length, 1);
  });

  it('accepts plugin-defined hooks declared by interface merging', async () => {
    const { bus } = busWithLog();
    const custom = bus as unknown as {
      on: (h: string, o: string, f: () => unknown) => void;
      run: (h: string, p: unknown) => Promise<unknown>;
    };
    custom.on('acme:scanned', 'acme', () => reject(554, 'spam'));
    assert.deepEqual(await custom.run('acme:scanned', { score: 9 }), {
      action: 'reject',
      code: 554,
      text: 'spam',
      by: 'acme',
    });
  });
});
