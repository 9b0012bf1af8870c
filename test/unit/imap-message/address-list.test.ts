import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseAddressList, renderAddressList } from '../../../plugins/imap/message/address-list.js';
import { serialize } from './wire.js';

/** `(name adl mailbox host)` tuples as Dovecot 2.3 renders them for the same header value. */
const CASES: [string, (string | null)[][]][] = [
  ['joe@example.com', [[null, null, 'joe', 'example.com']]],
  ['"Joe Q. Public" <joe@example.com>', [['Joe Q. Public', null, 'joe', 'example.com']]],
  ['Joe Q. Public <joe@example.com>', [['Joe Q. Public', null, 'joe', 'example.com']]],
  ['joe@example.com (Joe Comment)', [['Joe Comment', null, 'joe', 'example.com']]],
  ['joe@example.com (outer (nested) comment)', [['outer (nested) comment', null, 'joe', 'example.com']]],
  ['"Joe" (c) <joe@example.com>', [['Joe', null, 'joe', 'example.com']]],
  ['=?utf-8?q?J=C3=B6e?= <joe@example.com>', [['=?utf-8?q?J=C3=B6e?=', null, 'joe', 'example.com']]],
  ['joe', [[null, null, 'joe', 'MISSING_DOMAIN']]],
  ['Joe Bloggs', [['Joe Bloggs', null, 'MISSING_MAILBOX', 'MISSING_DOMAIN']]],
  ['<>', [[null, null, 'MISSING_MAILBOX', 'MISSING_DOMAIN']]],
  ['joe@', [[null, null, 'joe', 'MISSING_DOMAIN']]],
  ['@example.com', [[null, null, 'MISSING_MAILBOX', 'example.com']]],
  ['Joe <joe@example.com', [['Joe', null, 'joe', 'SYNTAX_ERROR']]],
  ['joe@example.com>', [[null, null, 'joe', 'example.com']]],
  ['a@b.c garbage', [[null, null, 'a', 'b.c']]],
  [
    'a@b.c,,d@e.f',
    [
      [null, null, 'a', 'b.c'],
      [null, null, 'MISSING_MAILBOX', 'MISSING_DOMAIN'],
      [null, null, 'd', 'e.f'],
    ],
  ],
  ['a@b.c, ', [[null, null, 'a', 'b.c']]],
  ['<@route1,@route2:joe@example.com>', [[null, '@route1,@route2', 'joe', 'example.com']]],
  ['"quoted \\"inner\\" name" <joe@example.com>', [['quoted "inner" name', null, 'joe', 'example.com']]],
  ['"joe smith"@example.com', [[null, null, 'joe smith', 'example.com']]],
  ['j.o.e@[127.0.0.1]', [[null, null, 'j.o.e', '[127.0.0.1]']]],
  ['joe @ example . com', [[null, null, 'joe', 'example.com']]],
  ['Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>', [['Pete', null, 'pete', 'silly.test']]],
  [
    'Undisclosed recipients:;',
    [
      [null, null, 'Undisclosed recipients', null],
      [null, null, null, null],
    ],
  ],
  [
    'Friends: a@b.c, "B" <b@c.d>;, z@y.x',
    [
      [null, null, 'Friends', null],
      [null, null, 'a', 'b.c'],
      ['B', null, 'b', 'c.d'],
      [null, null, null, null],
      [null, null, 'z', 'y.x'],
    ],
  ],
  [
    'Friends: a@b.c',
    [
      [null, null, 'Friends', null],
      [null, null, 'a', 'b.c'],
      [null, null, null, null],
    ],
  ],
  [
    'x:y:z@w',
    [
      [null, null, 'x', null],
      [null, null, 'y', 'MISSING_DOMAIN'],
      [null, null, null, null],
    ],
  ],
  ['"unterminated <joe@example.com>', [[null, null, 'MISSING_MAILBOX', 'MISSING_DOMAIN']]],
  ['Jöe <jöe@exämple.com>', [['Jöe', null, 'jöe', 'exämple.com']]],
];

describe('address lists (ENVELOPE)', () => {
  for (const [value, expected] of CASES)
    it(`parses ${JSON.stringify(value)} as Dovecot does`, () => {
      const parsed = parseAddressList(value).map((a) => [
        a.name ?? null,
        a.route ?? null,
        a.mailbox ?? null,
        a.domain ?? null,
      ]);
      assert.deepEqual(parsed, expected);
    });

  it('is NIL for an absent field or one without addresses', () => {
    assert.equal(renderAddressList(undefined), null);
    assert.equal(renderAddressList('   '), null);
    assert.equal(renderAddressList('(just a comment)'), null);
  });

  it('writes the addresses of a list without SP between them (RFC 3501 "(" 1*address ")")', async () => {
    const wire = await serialize(renderAddressList('a@b.c, Group: x@y.z;'));
    assert.equal(
      wire.toString(),
      '((NIL NIL "a" "b.c")(NIL NIL "Group" NIL)(NIL NIL "x" "y.z")(NIL NIL NIL NIL))',
    );
  });

  it('stays linear on long hostile input', () => {
    const started = process.hrtime.bigint();
    parseAddressList('('.repeat(50_000) + 'a@b');
    parseAddressList('a,'.repeat(50_000));
    parseAddressList('"'.repeat(50_001));
    assert.ok(Number(process.hrtime.bigint() - started) / 1e6 < 2000);
  });
});
