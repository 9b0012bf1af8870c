/** Fuzzes the admin-http listener (/metrics, /healthz) with broken and pipelined requests; see fuzz-target.ts. */
import assert from 'node:assert/strict';
import { describeFuzzTarget } from './fuzz-target.js';
import { httpCase } from './grammars/http.js';

describeFuzzTarget({
  name: 'admin-http',
  home: { plugins: { 'admin-http': { idleTimeoutSeconds: 1 } } },
  defaults: { seed: 0xad417, cases: 400 },
  bounds: { silenceMs: 5_000, caseMs: 30_000, maxPauseMs: 400 },
  generate: httpCase,
  async probe(server) {
    const response = await fetch(`http://127.0.0.1:${server.port('admin-http')}/healthz`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ok', role: 'all' });
  },
});
