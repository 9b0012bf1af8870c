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
        idleTimeoutSeconds: 5,
        tlsHandshakeTimeoutSeconds: 1,
        maxLineLength: POP3_MAX_LINE,
        plaintextAuth: 'anywhere',
      },
    },
  },
  defaults: { seed: 0x90903, cases: 200 },
  // POP3's idle timer also runs while a command is served, and a login (an scrypt, the lockout
  // check, the maildrop lock) takes 0.3 s on an idle machine and several seconds on 2 busy cores:
  // 5 s keeps the final well-formed login from being cut off as idle.
  bounds: { silenceMs: 10_000, caseMs: 30_000, maxPauseMs: 400 },
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
