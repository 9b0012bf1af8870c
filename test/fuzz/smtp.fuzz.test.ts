/** Fuzzes the SMTP listeners (smtp, submission, and smtps with non-TLS bytes); see fuzz-target.ts. */
import assert from 'node:assert/strict';
import { LineClient } from '../helpers/line-client.js';
import { FUZZ_DOMAIN, PROBE_USER } from './fuzz-home.js';
import { describeFuzzTarget } from './fuzz-target.js';
import { smtpCase } from './grammars/smtp.js';

describeFuzzTarget({
  name: 'smtp',
  home: {
    // Front only: accepted mail stays queued, so nothing is delivered or looked up in DNS.
    role: 'front',
    plugins: {
      queue: { prefix: 'fuzz' },
      smtp: {
        idleTimeoutMs: 1_000,
        maxMessageSize: 1024 * 1024,
        reverseDns: false,
        plaintextAuth: 'anywhere',
      },
    },
  },
  defaults: { seed: 0x5a7b, cases: 300 },
  // 1 s idle timeout; the slack covers AUTH's scrypt queued behind other sessions' on 2 busy cores.
  bounds: { silenceMs: 8_000, caseMs: 30_000, maxPauseMs: 400 },
  generate: smtpCase,
  async probe(server) {
    const client = await LineClient.connect(server.port('smtp'), { localAddress: '127.0.0.2' });
    assert.match((await client.smtpReply()).at(-1)!, /^220 /);
    assert.match(await client.smtp('EHLO probe.test'), /^250 /);
    assert.match(await client.smtp('MAIL FROM:<someone@remote.test>'), /^250 /);
    assert.match(await client.smtp(`RCPT TO:<${PROBE_USER}@${FUZZ_DOMAIN}>`), /^250 /);
    assert.match(await client.smtp('DATA'), /^354 /);
    assert.match(await client.smtp('Subject: probe\r\n\r\n..dot\r\n.'), /^250 .*queued as/);
    assert.match(await client.smtp('QUIT'), /^221 /);
    client.close();
  },
});
