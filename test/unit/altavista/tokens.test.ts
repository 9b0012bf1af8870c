import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { quoteToken, scanTokens } from '../../../plugins/altavista-admin/protocol/index.js';

const texts = (line: string): string[] => {
  const scanned = scanTokens(line);
  assert.equal(scanned.error, undefined, line);
  return scanned.tokens.map((token) => token.text);
};

describe('scanTokens (§2.1)', () => {
  it('splits on runs of spaces and tabs, ignoring them at both ends', () => {
    assert.deepEqual(texts('Show  Mailbox\tfred@staff'), ['Show', 'Mailbox', 'fred@staff']);
    assert.deepEqual(texts(' \t a \t'), ['a']);
    assert.deepEqual(texts(''), []);
  });

  it('reads quoted strings with \\" and \\\\, and the null name ""', () => {
    assert.deepEqual(scanTokens('"a b" "" "x\\"y\\\\z" bare').tokens, [
      { text: 'a b', quoted: true },
      { text: '', quoted: true },
      { text: 'x"y\\z', quoted: true },
      { text: 'bare', quoted: false },
    ]);
    assert.deepEqual(texts('"\t"'), ['\t']);
  });

  it('keeps a backslash in a bare word literally', () => {
    assert.deepEqual(texts('pa\\ss \\'), ['pa\\ss', '\\']);
  });

  it('stops with 501 at malformed quoting, keeping the tokens before it', () => {
    for (const [line, before] of [
      ['a "b', ['a']],
      ['a "b"c', ['a']],
      ['a b"c"', ['a']],
      ['a "b\\n"', ['a']],
      ['a "b\\', ['a']],
      ['"', []],
    ] as const) {
      const scanned = scanTokens(line);
      assert.equal(scanned.error?.response, '501 Syntax error', line);
      assert.deepEqual(
        scanned.tokens.map((token) => token.text),
        before,
        line,
      );
    }
  });
});

describe('quoteToken', () => {
  it('leaves bare words bare and quotes the rest', () => {
    assert.equal(quoteToken('fred@staff'), 'fred@staff');
    assert.equal(quoteToken('pa\\ss'), 'pa\\ss');
    assert.equal(quoteToken(''), '""');
    assert.equal(quoteToken('a b'), '"a b"');
    assert.equal(quoteToken('say "hi"\\'), '"say \\"hi\\"\\\\"');
  });

  it('round-trips through scanTokens', () => {
    for (const text of ['', 'x', 'a b', '"', '\\', '\\"', '"\\', 'tab\there', ' lead', 'trail ']) {
      assert.deepEqual(texts(`cmd ${quoteToken(text)} end`), ['cmd', text, 'end'], JSON.stringify(text));
    }
  });
});
