import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ImapParseError,
  decodeMailboxName,
  encodeMailboxName,
} from '../../../plugins/imap/protocol/index.js';

function refusal(encoded: string): string {
  try {
    decodeMailboxName(encoded);
  } catch (err) {
    assert.ok(err instanceof ImapParseError);
    assert.equal(err.tag, undefined);
    return err.withTag('A1').responseLine;
  }
  assert.fail(`${encoded} was accepted`);
}

describe('modified UTF-7 mailbox names (RFC 3501 §5.1.3)', () => {
  const pairs: [string, string][] = [
    ['INBOX', 'INBOX'],
    ['', ''],
    // The RFC's example: "~peter/mail/台北/日本語".
    ['~peter/mail/台北/日本語', '~peter/mail/&U,BTFw-/&ZeVnLIqe-'],
    ['Entwürfe', 'Entw&APw-rfe'],
    ['&', '&-'],
    ['Tom & Jerry', 'Tom &- Jerry'],
    ['&&', '&-&-'],
    ['ü&ö', '&APw-&-&APY-'],
    ['€', '&IKw-'],
    // Outside the BMP: a surrogate pair.
    ['📧 Mail', '&2D3c5w- Mail'],
    ['a\tb', 'a&AAk-b'],
    ['Ä/Ö/Ü', '&AMQ-/&ANY-/&ANw-'],
  ];

  it('encodes and decodes the RFC example and others', () => {
    for (const [name, encoded] of pairs) {
      assert.equal(encodeMailboxName(name), encoded, name);
      assert.equal(decodeMailboxName(encoded), name, encoded);
    }
  });

  it('round-trips every BMP character range and surrogate pairs', () => {
    for (let code = 0; code < 0xd800; code += 97) {
      const name = `x${String.fromCharCode(code)}y${String.fromCharCode(code + 1)}`;
      assert.equal(decodeMailboxName(encodeMailboxName(name)), name, code.toString(16));
    }
    const astral = String.fromCodePoint(0x1f600, 0x10ffff, 0x20000);
    assert.equal(decodeMailboxName(encodeMailboxName(astral)), astral);
  });

  it('refuses what is not modified UTF-7, saying why', () => {
    const cases: [string, string][] = [
      [
        'a&b',
        'A1 BAD Invalid mailbox name "a&b": "&" starts an encoded run that never ends (a plain "&" is "&-")',
      ],
      [
        'a&',
        'A1 BAD Invalid mailbox name "a&": "&" starts an encoded run that never ends (a plain "&" is "&-")',
      ],
      ['&AP/-', 'A1 BAD Invalid mailbox name "&AP/-": bad modified BASE64 "&AP/-"'],
      ['&AP=-', 'A1 BAD Invalid mailbox name "&AP=-": bad modified BASE64 "&AP=-"'],
      [
        '&AGE-',
        'A1 BAD Invalid mailbox name "&AGE-": "&AGE-" encodes printable ASCII, which must be written as itself',
      ],
      ['&AA-', 'A1 BAD Invalid mailbox name "&AA-": "&AA-" ends inside a UTF-16 character'],
      // Two adjacent runs where one would do.
      ['&APw-&APY-', 'A1 BAD Invalid mailbox name "&APw-&APY-": not in canonical modified UTF-7 form'],
      // Nonzero padding bits (APw is canonical, APx is not).
      ['&APx-', 'A1 BAD Invalid mailbox name "&APx-": not in canonical modified UTF-7 form'],
      ['&2D0-', 'A1 BAD Invalid mailbox name "&2D0-": unpaired UTF-16 surrogate'],
      ['Entw\xfcrfe', 'A1 BAD Invalid mailbox name "Entw?rfe": character 0xfc must be encoded'],
      ['a\x01b', 'A1 BAD Invalid mailbox name "a?b": character 0x01 must be encoded'],
    ];
    for (const [encoded, response] of cases) assert.equal(refusal(encoded), response, encoded);
  });
});
