import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ImapParseError } from '../../../plugins/imap/protocol/index.js';
import { checkCharset, parseSearchKeys, type SearchKey } from '../../../plugins/imap/search/criteria.js';
import { dayNumber } from '../../../plugins/imap/search/dates.js';
import { parseOk } from '../imap/parse-helpers.js';

/** The key tree of `SEARCH <criteria>` as the wire carries it (literals inline). */
function keys(criteria: string): SearchKey {
  return parseSearchKeys(parseOk(Buffer.from(`A SEARCH ${criteria}`, 'utf8')).args, 'A');
}

/** The response line the session writes for a refused criteria. */
function refusal(criteria: string): string {
  try {
    keys(criteria);
  } catch (err) {
    if (err instanceof ImapParseError) return err.responseLine;
    throw err;
  }
  assert.fail(`${criteria} should be refused`);
}

const feb = (day: number): number => dayNumber(2026, 1, day);

describe('SEARCH criteria (RFC 3501 §6.4.4, RFC 5032, RFC 5182)', () => {
  it('reads every flag key', () => {
    const flags: [string, string, boolean][] = [
      ['ANSWERED', '\\Answered', true],
      ['DELETED', '\\Deleted', true],
      ['DRAFT', '\\Draft', true],
      ['FLAGGED', '\\Flagged', true],
      ['SEEN', '\\Seen', true],
      ['UNANSWERED', '\\Answered', false],
      ['UNDELETED', '\\Deleted', false],
      ['UNDRAFT', '\\Draft', false],
      ['UNFLAGGED', '\\Flagged', false],
      ['unseen', '\\Seen', false],
    ];
    for (const [name, flag, present] of flags)
      assert.deepEqual(keys(name), { kind: 'flag', flag, present }, name);
    assert.deepEqual(keys('KEYWORD $Label1'), { kind: 'flag', flag: '$Label1', present: true });
    assert.deepEqual(keys('UNKEYWORD Junk'), { kind: 'flag', flag: 'Junk', present: false });
  });

  it('reads ALL and the recent family (NEW is RECENT UNSEEN)', () => {
    assert.deepEqual(keys('ALL'), { kind: 'all' });
    assert.deepEqual(keys('RECENT'), { kind: 'recent', recent: true });
    assert.deepEqual(keys('OLD'), { kind: 'recent', recent: false });
    assert.deepEqual(keys('NEW'), {
      kind: 'and',
      keys: [
        { kind: 'recent', recent: true },
        { kind: 'flag', flag: '\\Seen', present: false },
      ],
    });
  });

  it('reads message number sets and UID sets, $ included', () => {
    assert.deepEqual(keys('1:*'), {
      kind: 'sequence',
      set: { kind: 'ranges', ranges: [{ from: 1, to: '*' }] },
    });
    assert.deepEqual(keys('7'), { kind: 'sequence', set: { kind: 'ranges', ranges: [{ from: 7, to: 7 }] } });
    assert.deepEqual(keys('$'), { kind: 'sequence', set: { kind: 'saved' } });
    assert.deepEqual(keys('UID 2,4:5'), {
      kind: 'uid',
      set: {
        kind: 'ranges',
        ranges: [
          { from: 2, to: 2 },
          { from: 4, to: 5 },
        ],
      },
    });
    assert.deepEqual(keys('UID $'), { kind: 'uid', set: { kind: 'saved' } });
  });

  it('reads dates, sizes and ages', () => {
    assert.deepEqual(keys('BEFORE 1-Feb-2026'), { kind: 'internal-date', op: 'before', day: feb(1) });
    assert.deepEqual(keys('ON 01-feb-2026'), { kind: 'internal-date', op: 'on', day: feb(1) });
    assert.deepEqual(keys('SINCE "28-Feb-2026"'), { kind: 'internal-date', op: 'since', day: feb(28) });
    assert.deepEqual(keys('SENTBEFORE 2-FEB-2026'), { kind: 'sent-date', op: 'before', day: feb(2) });
    assert.deepEqual(keys('SENTON 3-Feb-2026'), { kind: 'sent-date', op: 'on', day: feb(3) });
    assert.deepEqual(keys('SENTSINCE 4-Feb-2026'), { kind: 'sent-date', op: 'since', day: feb(4) });
    assert.deepEqual(keys('LARGER 0'), { kind: 'size', op: 'larger', size: 0 });
    assert.deepEqual(keys('SMALLER 1024'), { kind: 'size', op: 'smaller', size: 1024 });
    assert.deepEqual(keys('YOUNGER 60'), { kind: 'age', op: 'younger', seconds: 60 });
    assert.deepEqual(keys('OLDER 86400'), { kind: 'age', op: 'older', seconds: 86400 });
  });

  it('reads string keys folded for a case-insensitive match, literals as UTF-8', () => {
    assert.deepEqual(keys('FROM Alice'), { kind: 'envelope', field: 'from', text: 'alice' });
    assert.deepEqual(keys('TO "Bob Smith"'), { kind: 'envelope', field: 'to', text: 'bob smith' });
    assert.deepEqual(keys('CC 42'), { kind: 'envelope', field: 'cc', text: '42' });
    assert.deepEqual(keys('BCC NIL'), { kind: 'envelope', field: 'bcc', text: 'nil' });
    assert.deepEqual(keys('SUBJECT {6+}\r\nCRÈME'), { kind: 'envelope', field: 'subject', text: 'crème' });
    assert.deepEqual(keys('HEADER List-Id "<Dev.Example>"'), {
      kind: 'header',
      field: 'list-id',
      text: '<dev.example>',
    });
    assert.deepEqual(keys('HEADER X-Spam ""'), { kind: 'header', field: 'x-spam', text: '' });
    assert.deepEqual(keys('BODY Hello'), { kind: 'body', text: 'hello' });
    assert.deepEqual(keys('TEXT {4}\r\nΣΣ'), { kind: 'text', text: 'σσ' });
  });

  it('reads OR, NOT, parentheses and juxtaposed keys', () => {
    assert.deepEqual(keys('SEEN FLAGGED'), {
      kind: 'and',
      keys: [
        { kind: 'flag', flag: '\\Seen', present: true },
        { kind: 'flag', flag: '\\Flagged', present: true },
      ],
    });
    assert.deepEqual(keys('OR SEEN (FLAGGED DELETED)'), {
      kind: 'or',
      left: { kind: 'flag', flag: '\\Seen', present: true },
      right: {
        kind: 'and',
        keys: [
          { kind: 'flag', flag: '\\Flagged', present: true },
          { kind: 'flag', flag: '\\Deleted', present: true },
        ],
      },
    });
    assert.deepEqual(keys('NOT (SEEN)'), {
      kind: 'not',
      key: { kind: 'flag', flag: '\\Seen', present: true },
    });
    assert.deepEqual(keys('OR OR SEEN DRAFT NOT ALL'), {
      kind: 'or',
      left: {
        kind: 'or',
        left: { kind: 'flag', flag: '\\Seen', present: true },
        right: { kind: 'flag', flag: '\\Draft', present: true },
      },
      right: { kind: 'not', key: { kind: 'all' } },
    });
  });

  it('refuses malformed criteria with the exact text', () => {
    const cases: [string, string][] = [
      ['FOO', 'A BAD Unknown search key "FOO"'],
      ['SEEN BAR', 'A BAD Unknown search key "BAR"'],
      ['"SEEN"', 'A BAD Expected a search key, got "SEEN"'],
      ['()', 'A BAD Empty parenthesised search key "()"'],
      ['0', 'A BAD Invalid message number set "0"'],
      ['UID', 'A BAD UID needs a UID set, got nothing'],
      ['UID ALL', 'A BAD UID needs a UID set, got "ALL"'],
      ['BEFORE', 'A BAD BEFORE needs a date like 1-Feb-2026, got nothing'],
      ['ON 2026-02-01', 'A BAD ON needs a date like 1-Feb-2026, got "2026-02-01"'],
      ['SINCE 29-Feb-2026', 'A BAD SINCE needs a date like 1-Feb-2026, got "29-Feb-2026"'],
      ['SENTON 1-Foo-2026', 'A BAD SENTON needs a date like 1-Feb-2026, got "1-Foo-2026"'],
      ['SENTSINCE {10}\r\n1-Feb-2026', 'A BAD SENTSINCE needs a date like 1-Feb-2026, got literal'],
      ['LARGER', 'A BAD LARGER needs a number, got nothing'],
      ['SMALLER -1', 'A BAD SMALLER needs a number, got "-1"'],
      ['YOUNGER 0', 'A BAD YOUNGER needs a number above 0, got "0"'],
      ['OLDER (1)', 'A BAD OLDER needs a number above 0, got list'],
      ['FROM', 'A BAD FROM needs a string, got nothing'],
      ['SUBJECT (x)', 'A BAD SUBJECT needs a string, got list'],
      ['HEADER', 'A BAD HEADER needs a header field name, got nothing'],
      ['HEADER Subject', 'A BAD HEADER needs a string, got nothing'],
      ['HEADER "Sub:ject" x', 'A BAD Invalid header field name "Sub:ject" for HEADER'],
      ['HEADER "" x', 'A BAD Invalid header field name "" for HEADER'],
      ['KEYWORD', 'A BAD KEYWORD needs a flag keyword, got nothing'],
      ['UNKEYWORD "x"', 'A BAD UNKEYWORD needs a flag keyword, got "x"'],
      ['NOT', 'A BAD NOT needs a search key after it'],
      ['OR', 'A BAD OR needs two search keys, got none'],
      ['OR SEEN', 'A BAD OR needs two search keys, got one'],
      ['(OR SEEN) DRAFT', 'A BAD OR needs two search keys, got one'],
      ['SEEN CHARSET UTF-8', 'A BAD CHARSET must come before the search keys'],
      ['SEEN RETURN (ALL)', 'A BAD RETURN must come first, right after SEARCH'],
      [`${'NOT '.repeat(101)}ALL`, 'A BAD Search criteria nested too deeply (more than 100 levels)'],
      [
        `${'('.repeat(102)}ALL${')'.repeat(102)}`,
        'A BAD Search criteria nested too deeply (more than 100 levels)',
      ],
    ];
    for (const [criteria, expected] of cases) assert.equal(refusal(criteria), expected, criteria);
    assert.throws(
      () => parseSearchKeys([], 'A'),
      (err: unknown) => err instanceof ImapParseError && err.responseLine === 'A BAD Missing search criteria',
    );
  });

  it('takes UTF-8 and US-ASCII as the charset, BADCHARSET for the rest', () => {
    const charsetOf = (wire: string) => parseOk(`A SEARCH CHARSET ${wire} ALL`).args[1];
    checkCharset(charsetOf('utf-8'), 'A');
    checkCharset(charsetOf('"US-ASCII"'), 'A');
    for (const [wire, line] of [
      ['ISO-8859-1', 'A NO [BADCHARSET (UTF-8 US-ASCII)] Charset "ISO-8859-1" is not supported'],
      ['"x"', 'A NO [BADCHARSET (UTF-8 US-ASCII)] Charset "x" is not supported'],
      ['(UTF-8)', 'A BAD Expected a charset, got list'],
    ]) {
      assert.throws(
        () => checkCharset(charsetOf(wire), 'A'),
        (err: unknown) => err instanceof ImapParseError && err.responseLine === line,
        wire,
      );
    }
    assert.throws(
      () => checkCharset(undefined, 'A'),
      (err: unknown) =>
        err instanceof ImapParseError && err.responseLine === 'A BAD Expected a charset, got nothing',
    );
  });
});
