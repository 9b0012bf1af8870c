import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  dequoteToken,
  formatListingRow,
  tokenizeTabLine,
} from '../../../plugins/xmail-ctrl/protocol/index.js';

describe('tokenizeTabLine (spec §3.1, §6 tokenizer edge cases)', () => {
  it('splits quoted TAB-separated fields', () => {
    assert.deepEqual(tokenizeTabLine('"useradd"\t"example.org"\t"alice"\t"pw1"\t"U"'), [
      'useradd',
      'example.org',
      'alice',
      'pw1',
      'U',
    ]);
  });

  it('collapses TAB runs and drops leading/trailing TABs (strtok)', () => {
    assert.deepEqual(tokenizeTabLine('"noop"\t\t'), ['noop']);
    assert.deepEqual(tokenizeTabLine('\t"noop"'), ['noop']);
    assert.deepEqual(tokenizeTabLine('"a"\t\t"b"'), ['a', 'b']);
    assert.deepEqual(tokenizeTabLine('"userauth"\t"example.org"\t\t"alice"\t"pw1"'), [
      'userauth',
      'example.org',
      'alice',
      'pw1',
    ]);
    assert.deepEqual(tokenizeTabLine('\t\t\t'), []);
  });

  it('gives no token for an empty line and one empty token for ""', () => {
    assert.deepEqual(tokenizeTabLine(''), []);
    assert.deepEqual(tokenizeTabLine('""'), ['']);
    assert.deepEqual(tokenizeTabLine('"a"\t""\t"b"'), ['a', '', 'b']);
  });

  it('keeps unquoted tokens verbatim (ADMIN\\tsecret login)', () => {
    assert.deepEqual(tokenizeTabLine('ADMIN\tsecret'), ['ADMIN', 'secret']);
    assert.deepEqual(tokenizeTabLine('a"b"c\tx'), ['a"b"c', 'x']);
  });

  it('does not dequote a token with a leading space, ignores text after the closing quote', () => {
    assert.deepEqual(tokenizeTabLine(' "noop"'), [' "noop"']);
    assert.deepEqual(tokenizeTabLine('"noop" '), ['noop']);
    assert.deepEqual(tokenizeTabLine('"no"op'), ['no']);
    assert.deepEqual(tokenizeTabLine('"noop"xyz'), ['noop']);
    assert.deepEqual(tokenizeTabLine('"uservarsset"\t"d"\t"u"\t"RealName"\t"abc"def'), [
      'uservarsset',
      'd',
      'u',
      'RealName',
      'abc',
    ]);
  });

  it('unescapes only \\" (the §6 uservarsset value)', () => {
    const tokens = tokenizeTabLine('"uservarsset"\t"example.org"\t"alice"\t"RealName"\t"Al \\"Q\\" x\\\\y"');
    assert.equal(tokens[4], 'Al "Q" x\\\\y');
  });
});

describe('dequoteToken (StrDeQuote)', () => {
  it('handles unterminated and degenerate quotes', () => {
    assert.equal(dequoteToken('"'), '');
    assert.equal(dequoteToken('"abc'), 'abc');
    assert.equal(dequoteToken('"a\\"'), 'a"');
  });

  it('treats \\\\" as a kept backslash plus an escaped quote', () => {
    // Chars: " a \ \ " x "  ->  the second backslash escapes the quote.
    assert.equal(dequoteToken('"a\\\\"x"'), 'a\\"x');
  });

  it('keeps every other backslash sequence', () => {
    assert.equal(dequoteToken('"a\\nb\\\\"'), 'a\\nb\\"');
    assert.equal(dequoteToken('\\"x\\"'), '\\"x\\"');
  });
});

describe('formatListingRow (spec §3.3)', () => {
  it('formats the §6 userlist rows', () => {
    assert.equal(
      formatListingRow(['example.org', 'alice', 'pw1', 'U']),
      '"example.org"\t"alice"\t"pw1"\t"U"',
    );
    assert.equal(formatListingRow(['xmailserver.test']), '"xmailserver.test"');
  });

  it('prints values raw, without escaping quotes or backslashes', () => {
    assert.equal(formatListingRow(['RealName', 'Al "Q" x\\\\y']), '"RealName"\t"Al "Q" x\\\\y"');
  });

  it('formats numbers and the 9-field frozlist row of §6', () => {
    assert.equal(
      formatListingRow([
        '1795361100000.139940.1.xmailserver.test',
        3,
        7,
        '<sender@remote.net>',
        '<ghost@example.org>',
        '2026-11-22 15:24:34',
        201,
        1,
        'froz',
      ]),
      '"1795361100000.139940.1.xmailserver.test"\t"3"\t"7"\t"<sender@remote.net>"\t"<ghost@example.org>"\t"2026-11-22 15:24:34"\t"201"\t"1"\t"froz"',
    );
    assert.equal(formatListingRow(['MailboxSize', 0]), '"MailboxSize"\t"0"');
  });

  it('round-trips through the tokenizer for values without quotes or TABs', () => {
    const fields = ['example.org', '', 'a b', 'x\\y', '.dot'];
    assert.deepEqual(tokenizeTabLine(formatListingRow(fields)), fields);
  });
});
