import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseError, parseOk, parseWire, showCommand } from './parse-helpers.js';
import { ImapParseError, sequenceSetOf } from '../../../plugins/imap/protocol/index.js';

const shown = (wire: string, utf8Accept = false) => showCommand(parseOk(wire, { utf8Accept }));

describe('IMAP command parser: RFC 3501 examples', () => {
  it('parses commands without arguments and upper-cases the name', () => {
    assert.deepEqual(shown('a001 CAPABILITY'), ['a001', 'CAPABILITY']);
    assert.deepEqual(shown('a002 noop'), ['a002', 'NOOP']);
    assert.deepEqual(shown('A023 LOGOUT'), ['A023', 'LOGOUT']);
  });

  it('parses atoms, quoted strings and NIL (§6.2.3, §6.3.8)', () => {
    assert.deepEqual(shown('a001 LOGIN SMITH SESAME'), ['a001', 'LOGIN', 'SMITH', 'SESAME']);
    assert.deepEqual(shown('A682 LIST "" *'), ['A682', 'LIST', '""', '#*']);
    assert.deepEqual(shown('A202 LIST ~/Mail/ %'), ['A202', 'LIST', '~/Mail/', '%']);
    assert.deepEqual(shown('A101 LIST "" ""'), ['A101', 'LIST', '""', '""']);
    assert.deepEqual(shown('A103 LIST /usr/staff/jones ""'), ['A103', 'LIST', '/usr/staff/jones', '""']);
    assert.deepEqual(shown('A042 STATUS blurdybloop (UIDNEXT MESSAGES)'), [
      'A042',
      'STATUS',
      'blurdybloop',
      ['UIDNEXT', 'MESSAGES'],
    ]);
  });

  it('parses FETCH with sequence sets, lists and sections (§6.4.5)', () => {
    assert.deepEqual(shown('A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])'), [
      'A654',
      'FETCH',
      '#2:4',
      ['FLAGS', { section: 'BODY', items: ['HEADER.FIELDS', ['DATE', 'FROM']] }],
    ]);
    assert.deepEqual(shown('a003 fetch 12 body[header]'), [
      'a003',
      'FETCH',
      12,
      { section: 'BODY', items: ['header'] },
    ]);
    assert.deepEqual(shown('a004 fetch 12 body.peek[]<0.2048>'), [
      'a004',
      'FETCH',
      12,
      { section: 'BODY.PEEK', items: [], partial: [0, 2048] },
    ]);
    assert.deepEqual(shown('a005 FETCH 1:* (BINARY.PEEK[1.2]<10.20> BINARY.SIZE[3] BODY[1.2.MIME])'), [
      'a005',
      'FETCH',
      '#1:*',
      [
        { section: 'BINARY.PEEK', items: ['1.2'], partial: [10, 20] },
        { section: 'BINARY.SIZE', items: [3] },
        { section: 'BODY', items: ['1.2.MIME'] },
      ],
    ]);
  });

  it('parses STORE flags and UID commands (§6.4.6, §6.4.8)', () => {
    assert.deepEqual(shown('A003 STORE 2:4 +FLAGS (\\Deleted)'), [
      'A003',
      'STORE',
      '#2:4',
      '+FLAGS',
      ['\\Deleted'],
    ]);
    assert.deepEqual(shown('A999 UID FETCH 4827313:4828442 FLAGS'), [
      'A999',
      'UID FETCH',
      '#4827313:4828442',
      'FLAGS',
    ]);
    assert.deepEqual(shown('A1 uid store 1,3:5 -FLAGS.SILENT (\\Seen $Junk)'), [
      'A1',
      'UID STORE',
      '#1,3:5',
      '-FLAGS.SILENT',
      ['\\Seen', '$Junk'],
    ]);
  });

  it('parses SEARCH keys, keeping criteria as written (§6.4.4)', () => {
    assert.deepEqual(shown('A282 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"'), [
      'A282',
      'SEARCH',
      'FLAGGED',
      'SINCE',
      '1-Feb-1994',
      'NOT',
      'FROM',
      '"Smith"',
    ]);
    assert.deepEqual(shown('A1 SEARCH $ UNSEEN (OR 1:5 *:4)'), [
      'A1',
      'SEARCH',
      '#$',
      'UNSEEN',
      ['OR', '#1:5', '#*:4'],
    ]);
  });

  it('parses literals in place, continuing the command on the next line (§4.3)', () => {
    const result = parseWire('A284 SEARCH CHARSET UTF-8 TEXT {6}\r\n\xe4\xbd\xa0\xe5\xa5\xbd\r\n');
    assert.deepEqual(result.literals, [{ size: 6, sync: true, binary: false, path: [3] }]);
    assert.deepEqual(showCommand(result.command!), ['A284', 'SEARCH', 'CHARSET', 'UTF-8', 'TEXT', '{你好}']);
    assert.deepEqual(shown('A001 LOGIN {11}\r\nFRED FOOBAR {7}\r\nfat man'), [
      'A001',
      'LOGIN',
      '{FRED FOOBAR}',
      '{fat man}',
    ]);
  });

  it('tells LITERAL+ and literal8 announcements apart (RFC 7888, RFC 3516)', () => {
    const result = parseWire('A001 LOGIN {11+}\r\nFRED FOOBAR {7+}\r\nfat man\r\n');
    assert.deepEqual(
      result.literals.map(({ sync, binary }) => ({ sync, binary })),
      [
        { sync: false, binary: false },
        { sync: false, binary: false },
      ],
    );
    const binary = parseWire('A1 APPEND box ~{3}\r\na\x00b\r\n');
    assert.deepEqual(binary.literals[0], { size: 3, sync: true, binary: true, path: [1] });
    assert.deepEqual(showCommand(binary.command!), ['A1', 'APPEND', 'box', '~{a\x00b}']);
    assert.equal(parseWire('A1 APPEND box ~{3+}\r\nabc').literals[0].sync, false);
  });

  it('keeps a list open across a literal and reports where the literal goes', () => {
    const result = parseWire('A1 STORE 1 FLAGS (a {2}\r\nbc (d {1}\r\ne))\r\n');
    assert.deepEqual(
      result.literals.map((literal) => literal.path),
      [
        [2, 1],
        [2, 2, 1],
      ],
    );
    assert.deepEqual(showCommand(result.command!), ['A1', 'STORE', 1, 'FLAGS', ['a', '{bc}', ['d', '{e}']]]);
    // A literal inside a section (header-fld-name is an astring).
    assert.deepEqual(shown('A1 FETCH 1 BODY[HEADER.FIELDS ({4}\r\nDate)]<0.5>'), [
      'A1',
      'FETCH',
      1,
      { section: 'BODY', items: ['HEADER.FIELDS', ['{Date}']], partial: [0, 5] },
    ]);
  });
});

describe('IMAP command parser: edge cases', () => {
  it('tells "" from NIL, and NIL from "NIL"', () => {
    assert.deepEqual(shown('A1 LIST "" NIL'), ['A1', 'LIST', '""', null]);
    assert.deepEqual(shown('A1 LIST nil "NIL"'), ['A1', 'LIST', null, '"NIL"']);
    assert.deepEqual(shown('A1 LIST NILS NI'), ['A1', 'LIST', 'NILS', 'NI']);
  });

  it('unescapes quoted strings', () => {
    assert.deepEqual(shown('A1 LOGIN "a\\"b" "c\\\\d"'), ['A1', 'LOGIN', '"a"b"', '"c\\d"']);
    assert.deepEqual(shown('A1 LOGIN "tab\there" "()[]{}%*"'), ['A1', 'LOGIN', '"tab\there"', '"()[]{}%*"']);
  });

  it('takes a literal of 0 bytes', () => {
    const result = parseWire('A1 LOGIN {0}\r\n {0+}\r\n\r\n');
    assert.deepEqual(showCommand(result.command!), ['A1', 'LOGIN', '{}', '{}']);
  });

  it('parses empty and nested lists, and sections without a spec', () => {
    assert.deepEqual(shown('A1 STORE 1 FLAGS ()'), ['A1', 'STORE', 1, 'FLAGS', []]);
    assert.deepEqual(shown('A1 LIST ((a) (b (c)) ()) x'), ['A1', 'LIST', [['a'], ['b', ['c']], []], 'x']);
    assert.deepEqual(shown('A1 FETCH 1 (BODY[])'), ['A1', 'FETCH', 1, [{ section: 'BODY', items: [] }]]);
  });

  it('reads numbers, sequence sets and atoms by their look', () => {
    assert.deepEqual(shown('A1 FETCH 007 X'), ['A1', 'FETCH', 7, 'X']);
    assert.deepEqual(shown('A1 FETCH 2,4:7,9 X'), ['A1', 'FETCH', '#2,4:7,9', 'X']);
    // Not valid sets: left as atoms, for the command to refuse or to read otherwise.
    assert.deepEqual(shown('A1 FETCH 1: 0:3 1,,2 $,1 X'), ['A1', 'FETCH', '1:', '0:3', '1,,2', '$,1', 'X']);
    // Brackets in atoms that are not section names, and `]` outside a section (LIST patterns).
    assert.deepEqual(shown('A1 LIST foo[bar] a]b'), ['A1', 'LIST', 'foo[bar]', 'a]b']);
  });

  it('accepts UTF-8 in quoted strings only with UTF8=ACCEPT (RFC 6855)', () => {
    assert.equal(
      parseError('A1 SELECT "Entw\xc3\xbcrfe"'),
      'A1 BAD 8-bit character in quoted string: send it as a literal (UTF8=ACCEPT is not enabled)',
    );
    assert.deepEqual(showCommand(parseOk(Buffer.from('A1 SELECT "Entwürfe"'), { utf8Accept: true })), [
      'A1',
      'SELECT',
      '"Entwürfe"',
    ]);
    assert.equal(
      parseError('A1 SELECT "\xff\xfe"', { utf8Accept: true }),
      'A1 BAD Invalid UTF-8 in quoted string',
    );
    assert.equal(
      parseError('A1 SELECT Entw\xc3\xbcrfe', { utf8Accept: true }),
      'A1 BAD 8-bit characters are only allowed in strings',
    );
  });
});

describe('IMAP command parser: errors', () => {
  const cases: [string, string][] = [
    [' NOOP', '* BAD Missing tag'],
    ['', '* BAD Empty command line'],
    ['* NOOP', '* BAD Invalid tag "*"'],
    ['A+1 NOOP', '* BAD Invalid tag "A+1"'],
    ['A{1} NOOP', '* BAD Invalid tag "A{1}"'],
    ['A1', 'A1 BAD Missing command'],
    ['A1 ', 'A1 BAD Missing command'],
    ['A1  NOOP', 'A1 BAD Missing command'],
    ['A1 FOO', 'A1 BAD Unknown command "FOO"'],
    ['A1 {5}', 'A1 BAD Unknown command "{5}"'],
    ['A1 UID', 'A1 BAD Missing command after UID'],
    ['A1 UID LOGIN', 'A1 BAD Unknown command "UID LOGIN"'],
    ['A1 NOOP ', 'A1 BAD Trailing space at the end of the line'],
    ['A1 LOGIN a  b', 'A1 BAD Extra space'],
    ['A1 LOGIN "abc', 'A1 BAD Unterminated quoted string'],
    ['A1 LOGIN "abc\\', 'A1 BAD Unterminated quoted string'],
    ['A1 LOGIN "a\\bc"', 'A1 BAD Invalid escape "\\b" in quoted string: only \\\\ and \\" are allowed'],
    ['A1 LOGIN "a\x00"', 'A1 BAD Invalid character 0x00 in quoted string: send it as a literal'],
    ['A1 LOGIN "a\rb"', 'A1 BAD Invalid character 0x0d in quoted string: send it as a literal'],
    ['A1 LOGIN a\rb', 'A1 BAD Invalid character 0x0d in command'],
    ['A1 LOGIN a\x7f', 'A1 BAD Invalid character 0x7f in command'],
    // Client text in a response is cut and has its quotes replaced.
    ['A1 LOGIN a"b"', 'A1 BAD Expected a space before "?b?"'],
    ['A1 FETCH 1 (FLAGS', 'A1 BAD Missing ")"'],
    ['A1 FETCH 1 FLAGS)', 'A1 BAD Unexpected ")"'],
    ['A1 FETCH 1 ( FLAGS)', 'A1 BAD Unexpected space after "("'],
    ['A1 FETCH 1 (FLAGS )', 'A1 BAD Unexpected space before ")"'],
    ['A1 FETCH 1 (FLAGS)UID', 'A1 BAD Expected a space before "UID"'],
    ['A1 FETCH 1 BODY[TEXT', 'A1 BAD Missing "]" after the section'],
    ['A1 FETCH 1 (BODY[TEXT)', 'A1 BAD Missing "]" before ")"'],
    ['A1 FETCH 1 BODY[ TEXT]', 'A1 BAD Unexpected space after "["'],
    ['A1 FETCH 1 BODY[]<0.0>', 'A1 BAD Invalid partial "<0.0>": expected <offset.length>, length above 0'],
    ['A1 FETCH 1 BODY[]<5>', 'A1 BAD Invalid partial "<5>": expected <offset.length>, length above 0'],
    ['A1 FETCH 1 BODY[]<1.2>x', 'A1 BAD Expected a space before "x"'],
    ['A1 LOGIN {5} x', 'A1 BAD A literal announcement must end the line'],
    ['A1 LOGIN {abc}', 'A1 BAD Invalid literal announcement "{abc}"'],
    ['A1 LOGIN {5', 'A1 BAD Invalid literal announcement "{5"'],
    ['A1 LOGIN {99999999999999999999}', 'A1 BAD Literal size "99999999999999999999" is out of range'],
    ['A1 LOGIN a{5}', 'A1 BAD Expected a space before "{5}"'],
  ];
  for (const [wire, response] of cases) {
    it(`${JSON.stringify(wire)} → ${response}`, () => {
      assert.equal(parseError(wire), response);
    });
  }

  it('says where a sequence set was expected and what came instead', () => {
    const [set, atom, list] = parseOk('A1 FETCH 1:3 x (1)').args;
    assert.deepEqual(sequenceSetOf(set, 'A1'), { kind: 'ranges', ranges: [{ from: 1, to: 3 }] });
    const refusal = (arg: Parameters<typeof sequenceSetOf>[0]) => {
      try {
        sequenceSetOf(arg, 'A1');
      } catch (err) {
        assert.ok(err instanceof ImapParseError);
        return err.responseLine;
      }
      assert.fail('accepted');
    };
    assert.equal(refusal(atom), 'A1 BAD Invalid sequence set "x"');
    assert.equal(refusal(list), 'A1 BAD Invalid sequence set list');
    assert.equal(refusal(parseOk('A1 FETCH 0 x').args[0]), 'A1 BAD Invalid sequence set "0"');
    assert.equal(refusal(parseOk('A1 FETCH 1:0 x').args[0]), 'A1 BAD Invalid sequence set "1:0"');
    assert.equal(refusal(undefined), 'A1 BAD Missing sequence set');
    assert.deepEqual(sequenceSetOf(parseOk('A1 FETCH 5 x').args[0], 'A1'), {
      kind: 'ranges',
      ranges: [{ from: 5, to: 5 }],
    });
  });
});
