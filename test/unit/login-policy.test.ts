import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  allowPlaintext,
  listenerPlaintextSettings,
  plaintextAuthSetting,
  plaintextSettingsOf,
  type PlaintextSettings,
} from '../../core/directory/login-policy.js';
import { perListener } from '../../core/net/listener-settings.js';
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

describe('the plain-text rule of one listener (plaintextSettingsOf, perListener)', () => {
  const listeners = perListener({ pop3: { port: 110 }, pop3s: { port: 995 } }, listenerPlaintextSettings);

  it("takes what the listener's entry sets and the plugin's settings for the rest", () => {
    const config = {
      plaintextAuth: 'trusted' as const,
      trustedNetworks: ['127.0.0.1'],
      listeners: listeners.parse({
        pop3: { trustedNetworks: ['10.0.0.0/8'] },
        pop3s: { plaintextAuth: 'anywhere' },
      }),
    };
    assert.deepEqual(plaintextSettingsOf(config, 'pop3'), {
      plaintextAuth: 'trusted',
      trustedNetworks: ['10.0.0.0/8'],
    });
    assert.deepEqual(plaintextSettingsOf(config, 'pop3s'), {
      plaintextAuth: 'anywhere',
      trustedNetworks: ['127.0.0.1'],
    });
    const none = { ...config, listeners: listeners.parse(undefined) };
    assert.deepEqual(plaintextSettingsOf(none, 'pop3'), {
      plaintextAuth: 'trusted',
      trustedNetworks: ['127.0.0.1'],
    });
  });

  it('refuses an entry for a listener the plugin does not declare, naming the ones it does', () => {
    const result = listeners.safeParse({ pop: { plaintextAuth: 'anywhere' }, smtp: {} });
    assert.ok(!result.success);
    assert.deepEqual(
      result.error.issues.map((issue) => issue.message),
      ['the plugin declares no "pop" or "smtp" listener (known: pop3, pop3s)'],
    );
  });

  it("checks an entry's settings as the plugin's own", () => {
    const result = listeners.safeParse({
      pop3: { plaintextAuth: 'always', trustedNetworks: ['nowhere'], x: 1 },
    });
    assert.ok(!result.success);
    assert.deepEqual(
      result.error.issues.map((issue) => issue.path.join('.')),
      ['pop3.plaintextAuth', 'pop3.trustedNetworks', 'pop3'],
    );
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
