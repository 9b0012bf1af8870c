import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lockoutNetwork, unmapIPv4 } from '../../core/net/client-address.js';

describe('who a login attempt counts against (lockoutNetwork)', () => {
  it('keeps an IPv4 address', () => {
    assert.equal(lockoutNetwork('192.0.2.7'), '192.0.2.7');
  });

  it('treats IPv4-mapped IPv6 as IPv4, in any spelling', () => {
    for (const mapped of [
      '::ffff:192.0.2.7',
      '::FFFF:192.0.2.7',
      '::ffff:c000:207',
      '0:0:0:0:0:ffff:192.0.2.7',
    ])
      assert.equal(lockoutNetwork(mapped), '192.0.2.7', mapped);
  });

  it('keys IPv6 by its /64, in RFC 5952 text', () => {
    assert.equal(lockoutNetwork('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64');
    assert.equal(lockoutNetwork('2001:DB8:1:2::1'), '2001:db8:1:2::/64');
    assert.equal(lockoutNetwork('2001:0db8:0001:0002:ffff:ffff:ffff:ffff'), '2001:db8:1:2::/64');
    assert.equal(lockoutNetwork('2001:db8::1'), '2001:db8::/64');
    assert.equal(lockoutNetwork('2001:db8:0:0:1::'), '2001:db8::/64');
    assert.equal(lockoutNetwork('::1'), '::/64');
    assert.equal(lockoutNetwork('fe80::1%eth0'), 'fe80::/64', 'the zone id is dropped');
    assert.equal(lockoutNetwork('64:ff9b::192.0.2.7'), '64:ff9b::/64', 'NAT64 is not IPv4-mapped');
  });

  it('separates neighbouring /64 networks', () => {
    assert.notEqual(lockoutNetwork('2001:db8:1:2::1'), lockoutNetwork('2001:db8:1:3::1'));
  });

  it('leaves anything that is no IP address alone', () => {
    for (const text of ['', 'unknown', '2001:db8::/64']) assert.equal(lockoutNetwork(text), text);
  });
});

describe('unmapIPv4', () => {
  it('unmaps IPv4-mapped addresses and leaves the others', () => {
    assert.equal(unmapIPv4('::ffff:127.0.0.1'), '127.0.0.1');
    assert.equal(unmapIPv4('127.0.0.1'), '127.0.0.1');
    assert.equal(unmapIPv4('::1'), '::1');
    assert.equal(unmapIPv4('2001:db8::ffff:1.2.3.4'), '2001:db8::ffff:1.2.3.4');
    assert.equal(unmapIPv4('unknown'), 'unknown');
  });
});
