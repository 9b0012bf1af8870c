import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  allowPlaintext,
  plaintextAuthSetting,
  type PlaintextSettings,
} from '../../core/directory/login-policy.js';
import { DEFAULT_ENABLE_RULES } from '../../core/directory/login-enables.js';
import type { Account } from '../../core/index.js';

const trusted = (trustedNetworks: string[]): PlaintextSettings => ({
  plaintextAuth: 'trusted',
  trustedNetworks,
});
const client = (remoteAddress: string, localAddress = '192.0.2.1', secure = false) => ({
  secure,
  remoteAddress,
  localAddress,
});

describe('the plain-text login rule (allowPlaintext)', () => {
  it('defaults to `trusted`', () => {
    assert.equal(plaintextAuthSetting.parse(undefined), 'trusted');
  });

  it('takes passwords over TLS from anyone', () => {
    assert.ok(allowPlaintext(trusted([]), client('198.51.100.7', '192.0.2.1', true)));
  });

  it('takes them in clear from the same host: the client address is the local one, IPv4-mapped or not', () => {
    assert.ok(allowPlaintext(trusted([]), client('192.0.2.1')));
    assert.ok(allowPlaintext(trusted([]), client('::ffff:127.0.0.1', '127.0.0.1')));
    assert.ok(allowPlaintext(trusted([]), client('::1', '::1')));
  });

  it('takes them from trustedNetworks, refuses everyone else before TLS', () => {
    const settings = trusted(['10.0.0.0/8', '127.0.0.1']);
    assert.ok(allowPlaintext(settings, client('10.1.2.3')));
    assert.ok(allowPlaintext(settings, client('::ffff:10.1.2.3')));
    assert.ok(!allowPlaintext(settings, client('198.51.100.7')));
    // Another loopback address is not the same host, and not in this list.
    assert.ok(!allowPlaintext(settings, client('127.0.0.2', '127.0.0.1')));
  });

  it('`anywhere` takes them in clear from any address', () => {
    assert.ok(allowPlaintext({ plaintextAuth: 'anywhere', trustedNetworks: [] }, client('198.51.100.7')));
  });
});

describe('per-protocol enable rules', () => {
  const account = (vars: [string, string][]) => ({ vars }) as unknown as Account;

  it('reads PopEnable for POP3 as XMail does (atoi, absent = on)', () => {
    const pop3 = DEFAULT_ENABLE_RULES.POP3;
    assert.ok(pop3(account([])));
    assert.ok(pop3(account([['PopEnable', '1']])));
    assert.ok(!pop3(account([['PopEnable', '0']])));
    assert.ok(!pop3(account([['PopEnable', '00']])));
    assert.ok(!pop3(account([['PopEnable', 'no']])));
  });

  it('has no rule (every account enabled) for the other protocols yet', () => {
    assert.equal(DEFAULT_ENABLE_RULES.SMTP, undefined);
    assert.equal(DEFAULT_ENABLE_RULES.IMAP, undefined);
  });
});
