import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkHost,
  checkIpAddress,
  checkLogName,
  checkMailboxName,
  checkOpaqueId,
  checkUsername,
  superiorDomain,
  superiorMailbox,
} from '../../../plugins/altavista-admin/protocol/index.js';

describe('entity names (§2.1)', () => {
  it('mailbox names: @-separated non-empty components, case kept', () => {
    for (const name of ['m', 'fred@staff', 'A@b@M', 'x.y@z', "o'neil@staff", '*@x']) {
      assert.equal(checkMailboxName(name), name);
    }
    for (const name of ['', '@', 'a@', '@a', 'a@@b', 'a b', 'a"b', 'a\\b', 'a\tb', 'a\u0001b']) {
      assert.equal(checkMailboxName(name), undefined, JSON.stringify(name));
    }
  });

  it('the superior of a@b@m is b@m; a one-component name has none', () => {
    assert.equal(superiorMailbox('a@b@m'), 'b@m');
    assert.equal(superiorMailbox('b@m'), 'm');
    assert.equal(superiorMailbox('m'), undefined);
  });

  it('domain names: lower-cased, IP addresses bracketed, superiors by dropping the first label', () => {
    assert.equal(checkHost('DEC.com'), 'dec.com');
    assert.equal(checkHost('10.1.2.3'), '[10.1.2.3]');
    assert.equal(superiorDomain('mail.dec.com'), 'dec.com');
    assert.equal(superiorDomain('dec.com'), 'com');
    assert.equal(superiorDomain('com'), undefined);
    assert.equal(superiorDomain('[10.1.2.3]'), undefined);
  });

  it('log names are single words; ids are words of [A-Za-z0-9._-]', () => {
    assert.equal(checkLogName('Security'), 'Security');
    assert.equal(checkLogName('my-log.2'), 'my-log.2');
    for (const name of ['', 'a b', 'a"b', 'a\tb', 'a\u007fb']) assert.equal(checkLogName(name), undefined);
    assert.equal(checkOpaqueId('M19960913.000017'), 'M19960913.000017');
    assert.equal(checkOpaqueId('842630400.17'), '842630400.17');
    for (const id of ['', 'a b', 'a/b', 'a:b', 'a\\b']) assert.equal(checkOpaqueId(id), undefined);
  });

  it('usernames are a local part or local@domain, a leading * being the wildcard', () => {
    assert.equal(checkUsername('fred'), 'fred');
    assert.equal(checkUsername('*'), '*');
    assert.equal(checkUsername('*-list'), '*-list');
    assert.equal(checkUsername('Fred@Example.COM'), 'Fred@example.com');
    for (const name of ['', '@x', 'fred@', 'a b', 'a..b', 'a@b@c'])
      assert.equal(checkUsername(name), undefined);
  });

  it('Proxy Address takes IPv4 or IPv6 text', () => {
    assert.equal(checkIpAddress('192.0.2.1'), '192.0.2.1');
    assert.equal(checkIpAddress('2001:db8::1'), '2001:db8::1');
    for (const address of ['', 'localhost', '[192.0.2.1]', '192.0.2', '1.2.3.4.5']) {
      assert.equal(checkIpAddress(address), undefined);
    }
  });
});
