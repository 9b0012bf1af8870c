import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  atom,
  continuation,
  literal,
  section,
  serialize,
  statusResponse,
  untagged,
  type ResponseValue,
  type SerializeOptions,
} from '../../../plugins/imap/protocol/index.js';
import { parseOk, showCommand } from './parse-helpers.js';

const wire = (value: ResponseValue, options?: SerializeOptions) =>
  serialize(value, options).toString('latin1');

describe('IMAP response writer', () => {
  it('writes NIL, numbers, atoms and flags', () => {
    assert.equal(wire(null), 'NIL');
    assert.equal(wire(0), '0');
    assert.equal(wire(4294967295), '4294967295');
    assert.equal(wire(2n ** 63n - 1n), '9223372036854775807');
    assert.equal(wire(atom('EXISTS')), 'EXISTS');
    assert.equal(wire(atom('\\Seen')), '\\Seen');
    assert.equal(wire(atom('\\*')), '\\*');
    assert.equal(wire(atom('$Forwarded')), '$Forwarded');
  });

  it('refuses values that are not what they claim', () => {
    for (const text of ['', 'a b', 'a(b', 'x]', 'a"b', '%', '*', 'ü', '\\', 'a\r\n']) {
      assert.throws(() => atom(text), TypeError, JSON.stringify(text));
    }
    for (const value of [-1, 1.5, NaN, 2 ** 53, -1n, 2n ** 63n]) {
      assert.throws(() => serialize(value), TypeError, String(value));
    }
    assert.throws(() => serialize('a\x00b'), /literal8/);
    assert.throws(() => literal('a\x00b'), /literal8/);
  });

  it('quotes strings when it can, escaping " and \\', () => {
    assert.equal(wire(''), '""');
    assert.equal(wire('NIL'), '"NIL"');
    assert.equal(wire('Hello World'), '"Hello World"');
    assert.equal(wire('say "hi" \\o/'), '"say \\"hi\\" \\\\o/"');
    assert.equal(wire('tab\there'), '"tab\there"');
  });

  it('sends a literal for CR, LF and 8-bit, or UTF-8 quoted under UTF8=ACCEPT', () => {
    assert.equal(wire('line1\r\nline2'), '{12}\r\nline1\r\nline2');
    assert.equal(wire('a\nb'), '{3}\r\na\nb');
    assert.equal(serialize('Grüße').toString('utf8'), '{7}\r\nGrüße');
    assert.equal(serialize('Grüße', { utf8: true }).toString('utf8'), '"Grüße"');
    // Not UTF-8: a literal even when UTF-8 could be quoted.
    assert.equal(wire(Buffer.from([0x61, 0xff]), { utf8: true }), '{2}\r\na\xff');
    assert.equal(wire(literal('short')), '{5}\r\nshort');
    assert.equal(wire(literal(Buffer.from('a\x00b', 'latin1'), { binary: true })), '~{3}\r\na\x00b');
  });

  it('writes lists and FETCH sections', () => {
    assert.equal(wire([]), '()');
    assert.equal(wire([atom('\\Seen'), [1, null, 'x']]), '(\\Seen (1 NIL "x"))');
    assert.equal(
      wire([atom('UID'), 4, section('BODY', [atom('HEADER.FIELDS'), [atom('DATE'), atom('FROM')]], 0), 'x']),
      '(UID 4 BODY[HEADER.FIELDS (DATE FROM)]<0> "x")',
    );
    assert.equal(wire(section('BODY')), 'BODY[]');
    assert.equal(wire(section('BINARY', [atom('1.2')])), 'BINARY[1.2]');
  });

  it('writes untagged data, status responses with codes, and continuations (RFC 3501 §7 examples)', () => {
    assert.equal(untagged([172, atom('EXISTS')]).toString(), '* 172 EXISTS\r\n');
    assert.equal(
      untagged([atom('LIST'), [atom('\\Noselect')], '/', '~/Mail/foo']).toString(),
      '* LIST (\\Noselect) "/" "~/Mail/foo"\r\n',
    );
    assert.equal(
      untagged([12, atom('FETCH'), [atom('FLAGS'), [atom('\\Seen')], atom('RFC822.SIZE'), 44827]]).toString(),
      '* 12 FETCH (FLAGS (\\Seen) RFC822.SIZE 44827)\r\n',
    );
    assert.equal(
      statusResponse('*', 'OK', 'UIDs valid', { name: 'UIDVALIDITY', args: [3857529045] }).toString(),
      '* OK [UIDVALIDITY 3857529045] UIDs valid\r\n',
    );
    assert.equal(
      statusResponse('*', 'OK', 'Limited', {
        name: 'PERMANENTFLAGS',
        args: [[atom('\\Deleted'), atom('\\Seen'), atom('\\*')]],
      }).toString(),
      '* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n',
    );
    assert.equal(
      statusResponse('A142', 'OK', 'SELECT completed', { name: 'READ-WRITE' }).toString(),
      'A142 OK [READ-WRITE] SELECT completed\r\n',
    );
    assert.equal(
      statusResponse('A1', 'NO', 'Too big', { name: 'TOOBIG' }).toString(),
      'A1 NO [TOOBIG] Too big\r\n',
    );
    assert.equal(continuation('Ready for literal data').toString(), '+ Ready for literal data\r\n');
  });

  it('keeps status texts on one line, and ASCII unless UTF-8 is accepted', () => {
    assert.equal(
      statusResponse('A1', 'BAD', 'bad\r\nA2 OK injected').toString(),
      'A1 BAD bad  A2 OK injected\r\n',
    );
    assert.equal(statusResponse('A1', 'NO', 'Entwürfe fehlt').toString(), 'A1 NO Entw?rfe fehlt\r\n');
    assert.equal(
      statusResponse('A1', 'NO', 'Entwürfe fehlt', undefined, { utf8: true }).toString('utf8'),
      'A1 NO Entwürfe fehlt\r\n',
    );
  });

  it('writes strings the parser reads back unchanged', () => {
    const samples = [
      '',
      'plain',
      'with space',
      'q"uote',
      'back\\slash',
      'cr\rlf\n',
      '8bit \xe9',
      '()[]{}%*',
      'NIL',
    ];
    for (const sample of samples) {
      const bytes = Buffer.from(sample, 'latin1');
      const command = parseOk(Buffer.concat([Buffer.from('A1 LOGIN '), serialize(bytes), Buffer.from(' x')]));
      const [arg] = command.args;
      assert.equal(arg.type, 'string', showCommand(command).join(' '));
      if (arg.type === 'string') assert.deepEqual(arg.value, bytes, JSON.stringify(sample));
    }
  });
});
