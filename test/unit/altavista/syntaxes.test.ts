import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AvProtocolError,
  formatBoolean,
  formatClientType,
  formatCount,
  formatInterval,
  formatLocation,
  formatTime,
  formatUsernameRecord,
  normaliseValue,
  parseAddress,
  parseBoolean,
  parseClientType,
  parseClientTypeName,
  parseCount,
  parseHost,
  parseInterval,
  parseLocation,
  parsePrivilege,
  parseReversePath,
  parseText,
  parseTime,
  parseUsernameRecord,
  type ValueSyntax,
} from '../../../plugins/altavista-admin/protocol/index.js';

function invalid(parse: () => unknown, what: string): void {
  assert.throws(
    parse,
    (error) => error instanceof AvProtocolError && error.response === '524 Invalid value',
    what,
  );
}

describe('interval and count (§2.2)', () => {
  it('are unsigned decimal integers, formatted without leading zeros', () => {
    assert.equal(parseInterval('900'), 900);
    assert.equal(parseInterval('0'), 0);
    assert.equal(parseInterval('007'), 7);
    assert.equal(formatInterval(432000), '432000');
    assert.equal(parseCount('25'), 25);
    assert.equal(formatCount(25), '25');
    for (const text of ['', ' 1', '1 ', '-1', '+1', '1.5', '1e3', '0x10', 'ten', '99999999999999999999']) {
      invalid(() => parseInterval(text), `interval ${JSON.stringify(text)}`);
      invalid(() => parseCount(text), `count ${JSON.stringify(text)}`);
    }
  });
});

describe('time (§2.2)', () => {
  it('is toUTCString() form, whole seconds', () => {
    const instant = new Date(Date.UTC(1996, 8, 13, 14, 30, 0));
    assert.equal(formatTime(instant), 'Fri, 13 Sep 1996 14:30:00 GMT');
    assert.equal(formatTime(new Date(instant.getTime() + 999)), 'Fri, 13 Sep 1996 14:30:00 GMT');
    assert.equal(parseTime('Fri, 13 Sep 1996 14:30:00 GMT').getTime(), instant.getTime());
    assert.equal(parseTime('Thu, 01 Jan 1970 00:00:00 GMT').getTime(), 0);
  });

  it('refuses anything else, including impossible dates and wrong weekdays', () => {
    for (const text of [
      '',
      'Fri, 13 Sep 1996 14:30:00',
      'Fri, 13 Sep 1996 14:30:00 UTC',
      'Fri, 13 Sep 1996 14:30:00 +0000',
      'Fri, 13 Sep 96 14:30:00 GMT',
      'Fri, 3 Sep 1996 14:30:00 GMT',
      'fri, 13 Sep 1996 14:30:00 GMT',
      'Sat, 13 Sep 1996 14:30:00 GMT',
      'Mon, 31 Feb 1997 00:00:00 GMT',
      'Fri, 13 Sep 1996 24:00:00 GMT',
      'Fri, 13 Sep 1996 14:30:60 GMT',
      '1996-09-13T14:30:00Z',
      '842630400',
    ]) {
      invalid(() => parseTime(text), text);
    }
  });
});

describe('boolean (§2.2)', () => {
  it('is 0 or 1', () => {
    assert.equal(parseBoolean('1'), true);
    assert.equal(parseBoolean('0'), false);
    assert.equal(formatBoolean(true), '1');
    assert.equal(formatBoolean(false), '0');
    for (const text of ['', 'true', '01', '2', ' 1', 'yes']) invalid(() => parseBoolean(text), text);
  });
});

describe('address, reverse path and host (§2.2)', () => {
  it('address is local@domain, the domain lower-cased', () => {
    assert.equal(parseAddress('fred@example.com'), 'fred@example.com');
    assert.equal(parseAddress('Fred.Smith@Example.COM'), 'Fred.Smith@example.com');
    assert.equal(parseAddress('*@lists.example.org'), '*@lists.example.org');
    assert.equal(parseAddress('owner+x@[192.0.2.1]'), 'owner+x@[192.0.2.1]');
    assert.equal(parseAddress('postmaster@10.0.0.1'), 'postmaster@[10.0.0.1]');
    assert.equal(parseAddress('"john doe"@example.com'), '"john doe"@example.com');
    assert.equal(parseAddress('"a@b"@example.com'), '"a@b"@example.com');
    for (const text of [
      '',
      'fred',
      '@example.com',
      'fred@',
      '<fred@example.com>',
      'fred@example..com',
      'fr ed@example.com',
      'a..b@example.com',
      '.a@example.com',
      'a.@example.com',
      'a@b@example.com',
      'a(b)@example.com',
      '@a,@b:c@d',
      '<>',
    ]) {
      invalid(() => parseAddress(text), text);
    }
  });

  it('reverse path is an address or <>', () => {
    assert.equal(parseReversePath('<>'), '<>');
    assert.equal(parseReversePath('fred@Example.com'), 'fred@example.com');
    invalid(() => parseReversePath('< >'), '< >');
    invalid(() => parseReversePath(''), 'empty');
  });

  it('host is a domain name (lower-cased) or a bracketed IPv4 address', () => {
    assert.equal(parseHost('Relay.Example.COM'), 'relay.example.com');
    assert.equal(parseHost('localhost'), 'localhost');
    assert.equal(parseHost('[192.0.2.1]'), '[192.0.2.1]');
    assert.equal(parseHost('192.0.2.1'), '[192.0.2.1]');
    assert.equal(parseHost('123.example'), '123.example');
    for (const text of [
      '',
      '.',
      'a.',
      '.a',
      'a..b',
      'a b',
      '[1.2.3]',
      '[::1]',
      '1.2.3.256',
      '01.2.3.4',
      'a/b',
      `${'a'.repeat(254)}`,
    ]) {
      invalid(() => parseHost(text), text);
    }
  });
});

describe('text and privilege (§2.2)', () => {
  it('text is anything but CR and LF', () => {
    assert.equal(parseText(''), '');
    assert.equal(parseText(' any "thing" \t\\ here '), ' any "thing" \t\\ here ');
    invalid(() => parseText('a\rb'), 'CR');
    invalid(() => parseText('a\nb'), 'LF');
  });

  it('privileges are case-insensitive in, canonical out', () => {
    assert.equal(parsePrivilege('administration'), 'Administration');
    assert.equal(parsePrivilege('MONITOR'), 'Monitor');
    assert.equal(parsePrivilege('readallmail'), 'ReadAllMail');
    assert.equal(parsePrivilege('WriteLog'), 'WriteLog');
    for (const text of ['', 'Admin', 'Write Log', ' Monitor', 'Monitor '])
      invalid(() => parsePrivilege(text), text);
  });
});

describe('client-type (§2.2, §2.6.3)', () => {
  it('is a one-word name, a space and a description', () => {
    assert.deepEqual(parseClientType('POP3 POP3 mail user agent'), {
      name: 'POP3',
      description: 'POP3 mail user agent',
    });
    assert.equal(
      formatClientType({ name: 'IMAP', description: 'IMAP mail user agent' }),
      'IMAP IMAP mail user agent',
    );
    for (const text of ['', 'POP3', 'POP3 ', 'POP3  ', ' POP3 x']) invalid(() => parseClientType(text), text);
  });

  it("a mailbox's ClientType may be given by its first word alone", () => {
    assert.equal(parseClientTypeName('POP3'), 'POP3');
    assert.equal(parseClientTypeName('POP3 POP3 mail user agent'), 'POP3');
    for (const text of ['', ' POP3', '\tPOP3']) invalid(() => parseClientTypeName(text), text);
  });
});

describe('username-record (§2.2, §2.8)', () => {
  it('is a username with an optional redirection address', () => {
    assert.deepEqual(parseUsernameRecord('fred'), { username: 'fred' });
    assert.deepEqual(parseUsernameRecord('fred@Example.com'), { username: 'fred@example.com' });
    assert.deepEqual(parseUsernameRecord('*-list *@lists.example.org'), {
      username: '*-list',
      redirection: '*@lists.example.org',
    });
    assert.deepEqual(parseUsernameRecord('*'), { username: '*' });
    assert.equal(formatUsernameRecord({ username: 'fred' }), 'fred');
    assert.equal(
      formatUsernameRecord({ username: '*-list', redirection: '*@lists.example.org' }),
      '*-list *@lists.example.org',
    );
  });

  it('refuses a bad username, a bad or empty redirection, or more words', () => {
    for (const text of [
      '',
      ' fred',
      'fred ',
      'fred x',
      'fred a@b c',
      'fr"ed',
      '@x',
      'a@b@c',
      'fred  a@b.c',
    ]) {
      invalid(() => parseUsernameRecord(text), text);
    }
  });
});

describe('location (§2.6.6)', () => {
  it('is Server, Domain <name> or Mailbox <name>', () => {
    assert.deepEqual(parseLocation('Server'), { kind: 'Server' });
    assert.deepEqual(parseLocation('Domain dec.com'), { kind: 'Domain', name: 'dec.com' });
    assert.deepEqual(parseLocation('Mailbox fred@staff'), { kind: 'Mailbox', name: 'fred@staff' });
    assert.equal(formatLocation({ kind: 'Domain', name: '[10.0.0.1]' }), 'Domain [10.0.0.1]');
    assert.equal(formatLocation({ kind: 'Server' }), 'Server');
    for (const text of ['', 'server', 'Domain', 'Domain a..b', 'Mailbox a@@b', 'Mailbox a b', 'Queue x']) {
      invalid(() => parseLocation(text), text);
    }
  });
});

describe('normaliseValue', () => {
  it('gives the canonical text of every syntax', () => {
    const cases: [ValueSyntax, string, string][] = [
      ['interval', '0900', '900'],
      ['count', '25', '25'],
      ['time', 'Fri, 13 Sep 1996 14:30:00 GMT', 'Fri, 13 Sep 1996 14:30:00 GMT'],
      ['boolean', '1', '1'],
      ['address', 'a@B.c', 'a@b.c'],
      ['reverse-path', '<>', '<>'],
      ['host', '10.0.0.1', '[10.0.0.1]'],
      ['text', 'free text', 'free text'],
      ['privilege', 'monitor', 'Monitor'],
      ['client-type', 'X25 An X.25 gateway', 'X25 An X.25 gateway'],
      ['username-record', 'fred@A.b', 'fred@a.b'],
      ['ip-address', '192.0.2.1', '192.0.2.1'],
      ['attribute-name', 'Usernames', 'Usernames'],
      ['log-name', 'Security', 'Security'],
      ['mailbox-name', 'fred@staff', 'fred@staff'],
      ['domain-name', 'Dec.Com', 'dec.com'],
      ['message-id', 'M19960913.000017', 'M19960913.000017'],
      ['event-id', '842630400.17', '842630400.17'],
      ['location', 'Mailbox fred@staff', 'Mailbox fred@staff'],
    ];
    for (const [syntax, text, canonical] of cases)
      assert.equal(normaliseValue(syntax, text), canonical, syntax);
  });

  it('answers 524 for an invalid value of every syntax', () => {
    const syntaxes: ValueSyntax[] = [
      'interval',
      'count',
      'time',
      'boolean',
      'address',
      'reverse-path',
      'host',
      'privilege',
      'client-type',
      'username-record',
      'ip-address',
      'attribute-name',
      'log-name',
      'mailbox-name',
      'domain-name',
      'message-id',
      'event-id',
      'location',
    ];
    for (const syntax of syntaxes) invalid(() => normaliseValue(syntax, 'a b\n'), syntax);
    invalid(() => normaliseValue('text', 'a\nb'), 'text');
  });
});
