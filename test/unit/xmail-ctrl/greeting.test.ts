import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CTRL_TLS_READY_LINE,
  checkCtrlPassword,
  ctrlMd5Digest,
  formatCtrlTimestamp,
  formatGreeting,
  formatXMailDate,
  newCtrlTimestamp,
  parseLoginLine,
} from '../../../plugins/xmail-ctrl/protocol/index.js';

// §6: "+00000 <1795360987.139940937504448@127.0.0.1> XMail 1.27 CTRL Server; Sun, 22 Nov 2026 15:23:07 -0000"
const TRANSCRIPT_TIMESTAMP = '<1795360987.139940937504448@127.0.0.1>';
const TRANSCRIPT_INSTANT = new Date(1795360987 * 1000);
const TRANSCRIPT_DIGEST = 'ae48dfa16ffa6e144ce29b0cbd85a511';

describe('greeting (spec §1, decision 1)', () => {
  it('builds the §6 timestamp', () => {
    assert.equal(formatCtrlTimestamp(1795360987, 139940937504448n, '127.0.0.1'), TRANSCRIPT_TIMESTAMP);
    assert.equal(formatCtrlTimestamp(1795360987.999, 1, '127.0.0.1'), '<1795360987.1@127.0.0.1>');
  });

  it('prints IPv4-mapped local addresses as IPv4, other IPv6 as is', () => {
    assert.equal(formatCtrlTimestamp(1, 2, '::ffff:127.0.0.1'), '<1.2@127.0.0.1>');
    assert.equal(formatCtrlTimestamp(1, 2, '::1'), '<1.2@::1>');
  });

  it('makes a fresh timestamp per session', () => {
    const now = new Date(1795360987_500);
    const first = newCtrlTimestamp('::ffff:10.0.0.5', now);
    const second = newCtrlTimestamp('::ffff:10.0.0.5', now);
    assert.match(first, /^<1795360987\.\d+@10\.0\.0\.5>$/);
    assert.notEqual(first, second);
  });

  it('reproduces the §6 greeting line byte for byte', () => {
    assert.equal(
      formatGreeting(TRANSCRIPT_TIMESTAMP, 'XMail 1.27', formatXMailDate(TRANSCRIPT_INSTANT, 0)),
      '+00000 <1795360987.139940937504448@127.0.0.1> XMail 1.27 CTRL Server; Sun, 22 Nov 2026 15:23:07 -0000',
    );
    assert.equal(
      formatGreeting('<1.2@127.0.0.1>', 'Mailwright 0.1.0', 'Thu, 1 Jan 1970 00:00:01 -0000'),
      '+00000 <1.2@127.0.0.1> Mailwright 0.1.0 CTRL Server; Thu, 1 Jan 1970 00:00:01 -0000',
    );
  });
});

describe('formatXMailDate (MscGetTimeStr)', () => {
  it('prints UTC as -0000 and a +00:30 zone as -0030 (sign quirk)', () => {
    assert.equal(formatXMailDate(TRANSCRIPT_INSTANT, 0), 'Sun, 22 Nov 2026 15:23:07 -0000');
    assert.equal(formatXMailDate(TRANSCRIPT_INSTANT, 30), 'Sun, 22 Nov 2026 15:53:07 -0030');
  });

  it('prints real offsets with their sign', () => {
    assert.equal(formatXMailDate(TRANSCRIPT_INSTANT, 60), 'Sun, 22 Nov 2026 16:23:07 +0100');
    assert.equal(formatXMailDate(TRANSCRIPT_INSTANT, 330), 'Sun, 22 Nov 2026 20:53:07 +0530');
    assert.equal(formatXMailDate(TRANSCRIPT_INSTANT, -300), 'Sun, 22 Nov 2026 10:23:07 -0500');
    assert.equal(formatXMailDate(TRANSCRIPT_INSTANT, -210), 'Sun, 22 Nov 2026 11:53:07 -0330');
  });

  it('does not zero-pad the day and crosses day boundaries in local time', () => {
    const instant = new Date(Date.UTC(2026, 10, 1, 23, 5, 9));
    assert.equal(formatXMailDate(instant, 0), 'Sun, 1 Nov 2026 23:05:09 -0000');
    assert.equal(formatXMailDate(instant, 120), 'Mon, 2 Nov 2026 01:05:09 +0200');
  });

  it('defaults to the process time zone', () => {
    const instant = new Date(Date.UTC(2026, 0, 5, 6, 7, 8));
    assert.equal(formatXMailDate(instant), formatXMailDate(instant, -instant.getTimezoneOffset()));
  });
});

describe('login (spec §1 "Login line")', () => {
  it('computes the §6 MD5 digest over the bracketed timestamp', () => {
    assert.equal(ctrlMd5Digest(TRANSCRIPT_TIMESTAMP, 'secret'), TRANSCRIPT_DIGEST);
  });

  it('accepts the MD5 form case-insensitively and the clear form exactly', () => {
    assert.equal(checkCtrlPassword(`#${TRANSCRIPT_DIGEST}`, 'secret', TRANSCRIPT_TIMESTAMP), true);
    assert.equal(
      checkCtrlPassword(`#${TRANSCRIPT_DIGEST.toUpperCase()}`, 'secret', TRANSCRIPT_TIMESTAMP),
      true,
    );
    assert.equal(checkCtrlPassword('secret', 'secret', TRANSCRIPT_TIMESTAMP), true);
  });

  it("rejects a wrong password, a bad digest, another session's digest", () => {
    assert.equal(checkCtrlPassword('wrong', 'secret', TRANSCRIPT_TIMESTAMP), false);
    assert.equal(checkCtrlPassword('Secret', 'secret', TRANSCRIPT_TIMESTAMP), false);
    assert.equal(
      checkCtrlPassword('#00000000000000000000000000000000', 'secret', TRANSCRIPT_TIMESTAMP),
      false,
    );
    assert.equal(checkCtrlPassword('#', 'secret', TRANSCRIPT_TIMESTAMP), false);
    assert.equal(checkCtrlPassword(`#${TRANSCRIPT_DIGEST}`, 'secret', '<1795360988.1@127.0.0.1>'), false);
  });

  it('always reads a leading # as a digest, even when the clear password starts with #', () => {
    assert.equal(checkCtrlPassword('#abc', '#abc', TRANSCRIPT_TIMESTAMP), false);
  });

  it('parses the login lines of §6', () => {
    assert.deepEqual(parseLoginLine(`"admin"\t"#${TRANSCRIPT_DIGEST}"`), {
      kind: 'credentials',
      username: 'admin',
      password: `#${TRANSCRIPT_DIGEST}`,
    });
    assert.deepEqual(parseLoginLine('ADMIN\tsecret'), {
      kind: 'credentials',
      username: 'ADMIN',
      password: 'secret',
    });
    assert.deepEqual(parseLoginLine('#!TLS'), { kind: 'tls' });
    assert.equal(CTRL_TLS_READY_LINE, '+00000 Ready to start TLS mode');
  });

  it('rejects anything but exactly 2 tokens with -00105', () => {
    for (const line of ['"admin"\t"secret"\t"x"', '"noop"', '', '\t\t', '#!TLS ', '"#!TLS"\t']) {
      assert.deepEqual(
        parseLoginLine(line),
        { kind: 'rejected', error: 'BAD_CTRL_LOGIN' },
        JSON.stringify(line),
      );
    }
  });
});
