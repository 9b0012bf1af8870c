import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AV_COMMANDS,
  AvProtocolError,
  helpLines,
  lexCommand,
  precheck,
  type AvCommand,
  type SessionState,
} from '../../../plugins/altavista-admin/protocol/index.js';

/** The response line `lexCommand(line)` fails with. */
function failure(line: string): string {
  try {
    lexCommand(line);
  } catch (error) {
    assert.ok(error instanceof AvProtocolError, `${JSON.stringify(line)} threw ${String(error)}`);
    return error.response;
  }
  assert.fail(`${JSON.stringify(line)} lexed`);
}

const UNKNOWN = '500 Unknown command';
const SYNTAX = '501 Syntax error';

function lexes(line: string, expected: AvCommand): void {
  assert.deepEqual(lexCommand(line), expected, line);
}

describe('lexCommand: logged-out commands (§2.5.1)', () => {
  it('Version <n>', () => {
    lexes('Version 2', { kind: 'Version', version: 2 });
    lexes('version 1', { kind: 'Version', version: 1 });
    lexes('VERSION 02', { kind: 'Version', version: 2 });
    lexes('Version 3', { kind: 'Version', version: 3 });
    lexes('Version "2"', { kind: 'Version', version: 2 });
    for (const line of ['Version', 'Version x', 'Version 1.0', 'Version -1', 'Version 1 2', 'Version ""']) {
      assert.equal(failure(line), SYNTAX, line);
    }
  });

  it('Proxy Address <ip-address>', () => {
    lexes('Proxy Address 192.0.2.7', { kind: 'ProxyAddress', address: '192.0.2.7' });
    lexes('proxy  address\t::1', { kind: 'ProxyAddress', address: '::1' });
    for (const line of [
      'Proxy Address',
      'Proxy Address host.example',
      'Proxy Address 1.2.3.4 x',
      'Proxy Address 1.2.3.256',
    ]) {
      assert.equal(failure(line), SYNTAX, line);
    }
  });

  it('Proxy Host <host>', () => {
    lexes('Proxy Host Client.Example.COM', { kind: 'ProxyHost', host: 'client.example.com' });
    lexes('Proxy Host 10.1.2.3', { kind: 'ProxyHost', host: '[10.1.2.3]' });
    lexes('Proxy Host [10.1.2.3]', { kind: 'ProxyHost', host: '[10.1.2.3]' });
    for (const line of ['Proxy Host', 'Proxy Host a..b', 'Proxy Host "a b"', 'Proxy Host a b']) {
      assert.equal(failure(line), SYNTAX, line);
    }
  });

  it('Proxy alone or with another word is no command', () => {
    assert.equal(failure('Proxy'), UNKNOWN);
    assert.equal(failure('Proxy Port 1'), UNKNOWN);
  });

  it('Login Password <username> <password>', () => {
    lexes('Login Password admin secret', {
      kind: 'Login',
      method: 'Password',
      username: 'admin',
      password: 'secret',
    });
    lexes('login password fred "my secret \\"pw\\""', {
      kind: 'Login',
      method: 'Password',
      username: 'fred',
      password: 'my secret "pw"',
    });
    lexes('Login Password fred ""', { kind: 'Login', method: 'Password', username: 'fred', password: '' });
    lexes('Login Password fred pa\\ss', {
      kind: 'Login',
      method: 'Password',
      username: 'fred',
      password: 'pa\\ss',
    });
    for (const line of ['Login', 'Login Password', 'Login Password fred', 'Login Password fred a b']) {
      assert.equal(failure(line), SYNTAX, line);
    }
  });

  it('Login Digest <username> <hex>', () => {
    const hex = '0123456789abcdef0123456789abcdef';
    lexes(`Login Digest admin ${hex}`, { kind: 'Login', method: 'Digest', username: 'admin', digest: hex });
    lexes(`Login DIGEST admin ${hex.toUpperCase()}`, {
      kind: 'Login',
      method: 'Digest',
      username: 'admin',
      digest: hex,
    });
    for (const line of [
      'Login Digest admin',
      `Login Digest admin ${hex.slice(1)}`,
      `Login Digest admin ${hex}0`,
      `Login Digest admin ${hex.slice(1)}g`,
      `Login Digest admin ${hex} x`,
    ]) {
      assert.equal(failure(line), SYNTAX, line);
    }
  });

  it('Login with another method lexes as unsupported, whatever follows', () => {
    lexes('Login Kerberos', { kind: 'Login', method: 'Unsupported', methodName: 'Kerberos' });
    lexes('Login CRAM-MD5 a b c', { kind: 'Login', method: 'Unsupported', methodName: 'CRAM-MD5' });
    // A quoted token is never a keyword (§2.1 keywords are bare words).
    lexes('Login "Password" a b', { kind: 'Login', method: 'Unsupported', methodName: 'Password' });
  });

  it('Help, Quit, Logout take no arguments', () => {
    lexes('Help', { kind: 'Help' });
    lexes('  HELP  ', { kind: 'Help' });
    lexes('Quit', { kind: 'Quit' });
    lexes('Logout', { kind: 'Logout' });
    for (const line of ['Help Show', 'Quit now', 'Logout ""']) assert.equal(failure(line), SYNTAX, line);
  });

  it('Write Log <log-name>', () => {
    lexes('Write Log Security', { kind: 'WriteLog', log: 'Security' });
    lexes('write\tlog "audit-2"', { kind: 'WriteLog', log: 'audit-2' });
    // The null name is the root log, which holds no events.
    for (const line of ['Write Log', 'Write Log ""', 'Write Log "a b"', 'Write Log a b']) {
      assert.equal(failure(line), SYNTAX, line);
    }
    assert.equal(failure('Write Security'), UNKNOWN);
  });

  it('Lookup <username>', () => {
    lexes('Lookup frederick', { kind: 'Lookup', username: 'frederick' });
    lexes('Lookup fred@Mail.Example.com', { kind: 'Lookup', username: 'fred@mail.example.com' });
    lexes('Lookup golf-list', { kind: 'Lookup', username: 'golf-list' });
    for (const line of [
      'Lookup',
      'Lookup a b',
      'Lookup ""',
      'Lookup "a b"',
      'Lookup @x',
      'Lookup a@',
      'Lookup a@b@c',
    ]) {
      assert.equal(failure(line), SYNTAX, line);
    }
  });
});

describe('lexCommand: logged-in commands (§2.5.2)', () => {
  it('Test and Test Domain <domain>', () => {
    lexes('Test', { kind: 'Test' });
    lexes('Test Domain example.com', { kind: 'TestDomain', domain: 'example.com' });
    lexes('test domain 192.0.2.1', { kind: 'TestDomain', domain: '[192.0.2.1]' });
    // `Test x` is Test with a surplus argument; `Test Domain` without a domain is Test Domain.
    for (const line of ['Test x', 'Test Domain', 'Test Domain ""', 'Test Domain a b', 'Test Domain .a']) {
      assert.equal(failure(line), SYNTAX, line);
    }
  });

  it('Create Mailbox and Delete Mailbox <name>', () => {
    lexes('Create Mailbox staff', { kind: 'CreateMailbox', mailbox: 'staff' });
    lexes('create mailbox Fred@Staff', { kind: 'CreateMailbox', mailbox: 'Fred@Staff' });
    lexes('Delete Mailbox fred@staff', { kind: 'DeleteMailbox', mailbox: 'fred@staff' });
    // The root: Create answers 521 and Delete 525, so the lexer lets it through.
    lexes('Create Mailbox ""', { kind: 'CreateMailbox', mailbox: '' });
    lexes('Delete Mailbox ""', { kind: 'DeleteMailbox', mailbox: '' });
    for (const verb of ['Create', 'Delete']) {
      for (const args of ['', 'a b', 'a@@b', '@a', 'a@', '"a b"', 'a\\b']) {
        const line = `${verb} Mailbox ${args}`;
        assert.equal(failure(line), SYNTAX, line);
      }
    }
    assert.equal(failure('Create Domain x'), UNKNOWN);
    assert.equal(failure('Delete'), UNKNOWN);
  });

  it('Add / Remove / Set / Show with every entity selector (§2.5.4)', () => {
    for (const verb of ['Add', 'Remove', 'Set', 'Show'] as const) {
      lexes(`${verb} Environment`, { kind: verb, entity: { kind: 'Environment' } });
      lexes(`${verb.toUpperCase()} server`, { kind: verb, entity: { kind: 'Server' } });
      lexes(`${verb} Mailbox fred@staff`, { kind: verb, entity: { kind: 'Mailbox', name: 'fred@staff' } });
      lexes(`${verb} Mailbox ""`, { kind: verb, entity: { kind: 'Mailbox', name: '' } });
      lexes(`${verb} Domain Dec.COM`, { kind: verb, entity: { kind: 'Domain', name: 'dec.com' } });
      lexes(`${verb} Domain 10.0.0.1`, { kind: verb, entity: { kind: 'Domain', name: '[10.0.0.1]' } });
      lexes(`${verb} Domain ""`, { kind: verb, entity: { kind: 'Domain', name: '' } });
      lexes(`${verb} Log Security`, { kind: verb, entity: { kind: 'Log', name: 'Security' } });
      lexes(`${verb} Log ""`, { kind: verb, entity: { kind: 'Log', name: '' } });
      lexes(`${verb} Message M19960913.000017`, {
        kind: verb,
        entity: { kind: 'Message', id: 'M19960913.000017' },
      });
      lexes(`${verb} Event Security 842630400.7`, {
        kind: verb,
        entity: { kind: 'Event', log: 'Security', id: '842630400.7' },
      });
      for (const args of [
        '',
        'Foo',
        '"Server"',
        'Server x',
        'Environment ""',
        'Mailbox a b',
        'Mailbox a@@b',
        'Domain a..b',
        'Log "a b"',
        'Message',
        'Message a/b',
        'Event Security',
        'Event "" 1.2',
        'Event Security 1/2',
      ]) {
        const line = `${verb} ${args}`;
        assert.equal(failure(line), SYNTAX, line);
      }
    }
  });

  it('a missing entity name is the root for Show only', () => {
    lexes('Show Mailbox', { kind: 'Show', entity: { kind: 'Mailbox', name: '' } });
    lexes('Show Domain', { kind: 'Show', entity: { kind: 'Domain', name: '' } });
    lexes('Show Log', { kind: 'Show', entity: { kind: 'Log', name: '' } });
    for (const verb of ['Add', 'Remove', 'Set']) {
      for (const kind of ['Mailbox', 'Domain', 'Log']) assert.equal(failure(`${verb} ${kind}`), SYNTAX);
    }
  });

  it('Read Log <log-name> [<seconds-back>]', () => {
    lexes('Read Log Security', { kind: 'ReadLog', log: 'Security' });
    lexes('Read Log Security 3600', { kind: 'ReadLog', log: 'Security', secondsBack: 3600 });
    lexes('read log Activity 0', { kind: 'ReadLog', log: 'Activity', secondsBack: 0 });
    for (const line of [
      'Read Log',
      'Read Log ""',
      'Read Log Security -5',
      'Read Log Security 1h',
      'Read Log Security 1 2',
      'Read Log Security 99999999999999999999',
    ]) {
      assert.equal(failure(line), SYNTAX, line);
    }
    assert.equal(failure('Read Security'), UNKNOWN);
  });

  it('Reset Domain / Mailbox / Message and Delete Message', () => {
    lexes('Reset Domain dec.com', { kind: 'ResetDomain', domain: 'dec.com' });
    lexes('Reset Domain [192.0.2.9]', { kind: 'ResetDomain', domain: '[192.0.2.9]' });
    lexes('Reset Mailbox fred@staff', { kind: 'ResetMailbox', mailbox: 'fred@staff' });
    lexes('Reset Message M1', { kind: 'ResetMessage', id: 'M1' });
    lexes('Delete Message M19960913.000017', { kind: 'DeleteMessage', id: 'M19960913.000017' });
    for (const line of [
      'Reset Domain',
      'Reset Domain ""',
      'Reset Domain [300.1.1.1]',
      'Reset Mailbox',
      'Reset Mailbox ""',
      'Reset Message',
      'Reset Message a:b',
      'Delete Message',
      'Delete Message M1 M2',
    ]) {
      assert.equal(failure(line), SYNTAX, line);
    }
    assert.equal(failure('Reset'), UNKNOWN);
    assert.equal(failure('Reset Server'), UNKNOWN);
  });
});

describe('lexCommand: words and quoting (§2.1)', () => {
  it('an empty or blank line, or an unknown word, is 500', () => {
    for (const line of ['', '   ', '\t', 'Frobnicate', 'Shw Server', '"Show" Server', '""']) {
      assert.equal(failure(line), UNKNOWN, JSON.stringify(line));
    }
  });

  it('an unknown word is 500 even when the rest is malformed', () => {
    assert.equal(failure('Frobnicate "unterminated'), UNKNOWN);
    assert.equal(failure('Frob"nicate'), UNKNOWN);
  });

  it('a known command with malformed quoting is 501', () => {
    for (const line of [
      'Show Mailbox "fred',
      'Show Mailbox "a"b',
      'Show Mailbox a"b"',
      'Login Password fred "a\\nb"',
      'Login Password fred "a\\',
    ]) {
      assert.equal(failure(line), SYNTAX, line);
    }
  });

  it('keywords may be separated by runs of spaces and tabs', () => {
    lexes(' \tCreate \t Mailbox\t\tstaff  ', { kind: 'CreateMailbox', mailbox: 'staff' });
  });
});

describe('precheck: state, locality, version, method (§2.3 order)', () => {
  const out: SessionState = { loggedIn: false, peerIsLocal: false, effectiveIsLocal: false };
  const outLocal: SessionState = { loggedIn: false, peerIsLocal: true, effectiveIsLocal: true };
  const inRemote: SessionState = { loggedIn: true, peerIsLocal: false, effectiveIsLocal: false };
  const check = (line: string, state: SessionState): string | undefined => precheck(lexCommand(line), state);

  it('502 for a command of the other state', () => {
    for (const line of [
      'Show Server',
      'Logout',
      'Test',
      'Create Mailbox x',
      'Read Log Security',
      'Delete Message M1',
    ]) {
      assert.equal(check(line, outLocal), '502 Not available in this state', line);
    }
    for (const line of ['Version 2', 'Login Password a b', 'Login Foo']) {
      assert.equal(check(line, inRemote), '502 Not available in this state', line);
    }
  });

  it('503 for Proxy from a remote peer, and logged-out Write Log / Lookup from a remote address', () => {
    assert.equal(check('Proxy Address 1.2.3.4', out), '503 Available only to local initiators');
    assert.equal(check('Proxy Host a.example', inRemote), '503 Available only to local initiators');
    assert.equal(check('Write Log x', out), '503 Available only to local initiators');
    assert.equal(check('Lookup fred', out), '503 Available only to local initiators');
    // Proxy is judged by the real peer even when the effective address is local, and vice versa.
    assert.equal(
      check('Proxy Address 1.2.3.4', { loggedIn: false, peerIsLocal: false, effectiveIsLocal: true }),
      '503 Available only to local initiators',
    );
    assert.equal(
      check('Lookup fred', { loggedIn: false, peerIsLocal: true, effectiveIsLocal: false }),
      '503 Available only to local initiators',
    );
    assert.equal(check('Proxy Address 1.2.3.4', outLocal), undefined);
    assert.equal(check('Write Log x', outLocal), undefined);
    assert.equal(check('Write Log x', inRemote), undefined);
    assert.equal(check('Lookup fred', inRemote), undefined);
  });

  it('504 for an unsupported version, 511 for an unsupported method, after the state', () => {
    assert.equal(check('Version 3', out), '504 Unsupported protocol version');
    assert.equal(check('Version 0', out), '504 Unsupported protocol version');
    assert.equal(check('Version 1', out), undefined);
    assert.equal(check('Version 2', out), undefined);
    assert.equal(check('Login Kerberos x', out), '511 Unsupported login method');
    assert.equal(check('Version 3', inRemote), '502 Not available in this state');
  });

  it('everything else passes', () => {
    for (const line of ['Help', 'Quit', 'Login Password a b'])
      assert.equal(check(line, out), undefined, line);
    for (const line of ['Help', 'Quit', 'Logout', 'Show Server', 'Reset Message M1']) {
      assert.equal(check(line, inRemote), undefined, line);
    }
  });
});

describe('command table and Help', () => {
  it('has every command of §2.5 once', () => {
    const kinds = AV_COMMANDS.map((spec) => spec.kind);
    assert.deepEqual([...kinds].sort(), [
      'Add',
      'CreateMailbox',
      'DeleteMailbox',
      'DeleteMessage',
      'Help',
      'Login',
      'Logout',
      'Lookup',
      'ProxyAddress',
      'ProxyHost',
      'Quit',
      'ReadLog',
      'Remove',
      'ResetDomain',
      'ResetMailbox',
      'ResetMessage',
      'Set',
      'Show',
      'Test',
      'TestDomain',
      'Version',
      'WriteLog',
    ]);
  });

  it('lists the commands of each state, each line starting with its syntax', () => {
    assert.deepEqual(
      helpLines(false).map((line) => line.split(' - ')[0]),
      [
        'Version <n>',
        'Proxy Address <ip-address>',
        'Proxy Host <host>',
        'Login Password|Digest <username> <password-or-digest>',
        'Help',
        'Quit',
        'Write Log <log-name>',
        'Lookup <username>',
      ],
    );
    const loggedIn = helpLines(true).map((line) => line.split(' - ')[0]);
    assert.equal(loggedIn.length, 20);
    assert.ok(loggedIn.includes('Read Log <log-name> [<seconds-back>]'));
    assert.ok(!loggedIn.some((line) => line.startsWith('Version') || line.startsWith('Login')));
    // No help line starts with `.`, so the data block needs no stuffing, but would survive it.
    assert.ok(helpLines(true).every((line) => !line.startsWith('.')));
  });
});

describe('lexCommand: ASCII case folding only', () => {
  it('does not fold Unicode look-alikes into keywords', () => {
    // U+212A KELVIN SIGN lower-cases to `k` in Unicode; `Loo\u212Aup` must not be Lookup.
    assert.equal(failure('Loo\u212Aup fred'), UNKNOWN);
    assert.equal(failure('Show Domain \u212A.com'), SYNTAX);
  });
});
