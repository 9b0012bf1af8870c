/**
 * Fuzzes the XMail CTRL listeners (xmail-ctrl, and xmail-ctrls with non-TLS bytes), before and
 * after login, so that command parsing and uploads are reached; see fuzz-target.ts.
 */
import assert from 'node:assert/strict';
import { LineClient } from '../helpers/line-client.js';
import { FUZZ_ADMIN } from './fuzz-home.js';
import { describeFuzzTarget } from './fuzz-target.js';
import { ctrlCase } from './grammars/ctrl.js';

describeFuzzTarget({
  name: 'ctrl',
  home: {
    plugins: { 'xmail-ctrl': { idleTimeoutSeconds: 1, tlsHandshakeTimeoutSeconds: 1 } },
  },
  defaults: { seed: 0xc791, cases: 400 },
  bounds: { silenceMs: 5_000, caseMs: 30_000, maxPauseMs: 400 },
  generate: ctrlCase,
  async probe(server) {
    const client = await LineClient.connect(server.port('xmail-ctrl'), { localAddress: '127.0.0.2' });
    assert.match((await client.line()) ?? '', /^\+00000 </);
    assert.equal(await client.command(`"${FUZZ_ADMIN.name}"\t"${FUZZ_ADMIN.password}"`), '+00000 OK');
    assert.equal(await client.command('"noop"'), '+00000 OK');
    assert.equal(await client.command('"quit"'), '+00000 OK');
    client.close();
  },
});
