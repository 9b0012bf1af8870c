import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  digestResponse,
  formatChallenge,
  formatGreeting,
  lexCommand,
  newChallenge,
  parseGreeting,
  verifyDigest,
} from '../../../plugins/altavista-admin/protocol/index.js';

// §2.13's greeting.
const FQDN = 'mail.example.com';
const CHALLENGE = '<1234.842630400@mail.example.com>';
const GREETING =
  '201 mail.example.com AltaVista Mail administration server ready <1234.842630400@mail.example.com>';

describe('greeting (§2.3 row 201)', () => {
  it('writes the §2.13 greeting exactly', () => {
    assert.equal(formatChallenge('1234.842630400', FQDN), CHALLENGE);
    assert.equal(formatGreeting(FQDN, CHALLENGE), GREETING);
  });

  it('makes a fresh challenge per session from the injected clock', () => {
    const now = new Date(842630400_000);
    const first = newChallenge(FQDN, now);
    const second = newChallenge(FQDN, now);
    assert.match(first, /^<\d+\.842630400@mail\.example\.com>$/);
    assert.notEqual(first, second);
  });

  it('reads a greeting back on the client side', () => {
    assert.deepEqual(parseGreeting(GREETING), { fqdn: FQDN, challenge: CHALLENGE });
    assert.equal(parseGreeting('200 OK'), undefined);
    assert.equal(parseGreeting('201 mail.example.com AltaVista Mail administration server ready'), undefined);
  });
});

describe('Digest login (§2.5.3)', () => {
  const expected = createHash('md5').update(`${CHALLENGE}secret`).digest('hex');

  it('is MD5 of the challenge (brackets included) and the password, in lower-case hex', () => {
    assert.equal(digestResponse(CHALLENGE, 'secret'), expected);
    assert.match(expected, /^[0-9a-f]{32}$/);
    assert.equal(
      digestResponse(CHALLENGE, 'pässword'),
      createHash('md5').update(`${CHALLENGE}pässword`, 'utf8').digest('hex'),
    );
  });

  it('verifies what a client sends through the lexer', () => {
    const command = lexCommand(`Login Digest admin ${expected.toUpperCase()}`);
    assert.ok(command.kind === 'Login' && command.method === 'Digest');
    assert.ok(verifyDigest(CHALLENGE, 'secret', command.digest));
  });

  it('refuses a wrong password, another challenge, or a malformed digest', () => {
    assert.ok(verifyDigest(CHALLENGE, 'secret', expected));
    assert.ok(!verifyDigest(CHALLENGE, 'Secret', expected));
    assert.ok(!verifyDigest('<1235.842630400@mail.example.com>', 'secret', expected));
    for (const bad of ['', expected.slice(1), `${expected}0`, `${expected}zz`, `${expected.slice(0, 31)}g`]) {
      assert.ok(!verifyDigest(CHALLENGE, 'secret', bad), bad);
    }
  });
});
