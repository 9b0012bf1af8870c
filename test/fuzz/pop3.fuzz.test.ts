/** Fuzzes the POP3 listeners (pop3, and pop3s with non-TLS bytes); see fuzz-target.ts. */
import assert from 'node:assert/strict';
import { LineClient } from '../helpers/line-client.js';
import { FUZZ_DOMAIN, FUZZ_PASSWORD, PROBE_USER } from './fuzz-home.js';
import { describeFuzzTarget } from './fuzz-target.js';
import { POP3_MAX_LINE, pop3Case } from './grammars/pop3.js';

describeFuzzTarget({
  name: 'pop3',
  home: {
    plugins: {
      pop3: {
        idleTimeoutSeconds: 3,
        tlsHandshakeTimeoutSeconds: 1,
        maxLineLength: POP3_MAX_LINE,
        allowInsecureAuth: true,
      },
    },
  },
  defaults: { seed: 0x90903, cases: 250 },
  // POP3's idle timer also runs while a command is served, and a login costs an scrypt: 3 s keeps
  // a login on a busy 2-core machine from being cut off as idle. The slack covers the same.
  bounds: { silenceMs: 8_000, caseMs: 30_000, maxPauseMs: 400 },
  generate: pop3Case,
  async probe(server) {
    const client = await LineClient.connect(server.port('pop3'), { localAddress: '127.0.0.2' });
    assert.match((await client.line()) ?? '', /^\+OK /);
    assert.equal(await client.command(`USER ${PROBE_USER}@${FUZZ_DOMAIN}`), '+OK send PASS');
    assert.match(await client.command(`PASS ${FUZZ_PASSWORD}`), /^\+OK 3 messages/);
    assert.match(await client.command('STAT'), /^\+OK 3 \d+$/);
    assert.equal(await client.command('QUIT'), '+OK 0 messages deleted, bye');
    client.close();
  },
});
