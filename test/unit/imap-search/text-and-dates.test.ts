import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { firstMailbox } from '../../../plugins/imap/search/addresses.js';
import { dayNumber, parseSearchDate, parseSentDate } from '../../../plugins/imap/search/dates.js';
import { charsetDecoder, decodeHeaderValue } from '../../../plugins/imap/search/message-text.js';
import { compressSet, parseReturnOptions, savedMatches } from '../../../plugins/imap/search/search-result.js';
import { foldText, StreamMatcher } from '../../../plugins/imap/search/text-match.js';
import { transferDecoder } from '../../../plugins/imap/search/transfer-decoding.js';
import { parseOk } from '../imap/parse-helpers.js';

/** Every way of cutting `input` in two, decoded piece by piece. */
function decodedInPieces(encoding: string, input: string): string[] {
  const bytes = Buffer.from(input, 'latin1');
  const results: string[] = [];
  for (let cut = 0; cut <= bytes.length; cut++) {
    const decoder = transferDecoder(encoding);
    const out = Buffer.concat([
      decoder.write(bytes.subarray(0, cut)),
      decoder.write(bytes.subarray(cut)),
      decoder.end(),
    ]);
    results.push(out.toString('utf8'));
  }
  return results;
}

describe('search text: transfer encodings, charsets, matching', () => {
  it('undoes quoted-printable and base64 however the bytes are cut', () => {
    for (const out of decodedInPieces('quoted-printable', 'Caf=C3=A9 soft=\r\nbreak =3D x=\nend = lone'))
      assert.equal(out, 'Café softbreak = xend = lone');
    for (const out of decodedInPieces(
      'base64',
      Buffer.from('Grüße, Köln!')
        .toString('base64')
        .replace(/(.{8})/g, '$1\r\n'),
    ))
      assert.equal(out, 'Grüße, Köln!');
    for (const out of decodedInPieces('7bit', 'plain')) assert.equal(out, 'plain');
  });

  it('decodes charsets, unknown ones as UTF-8', () => {
    assert.equal(charsetDecoder('ISO-8859-1').decode(Buffer.from([0x63, 0x61, 0x66, 0xe9])), 'café');
    assert.equal(charsetDecoder('iso-8859-8-i').decode(Buffer.from([0xf9])), 'ש');
    assert.equal(charsetDecoder('x-unknown').decode(Buffer.from('é')), 'é');
    assert.equal(charsetDecoder(undefined).decode(Buffer.from('é')), 'é');
  });

  it('decodes encoded words and unfolds header values', () => {
    assert.equal(decodeHeaderValue('=?UTF-8?Q?J=C3=BCrgen?= <j@x>'), 'Jürgen <j@x>');
    assert.equal(decodeHeaderValue('a\r\n\tb\n c'), 'a b c');
  });

  it('finds needles across pieces, case-insensitively, and stops when all are found', () => {
    const matcher = new StreamMatcher(['crème', 'brûlée', 'absent'].map(foldText));
    for (const piece of ['... CRÈ', 'ME BRÛ', 'LÉE ...']) matcher.push(piece);
    assert.deepEqual([...matcher.found].sort(), ['brûlée', 'crème']);
    assert.equal(matcher.done, false);
    const empty = new StreamMatcher(['']);
    assert.equal(empty.done, true);
    const sigma = new StreamMatcher([foldText('ΟΔΟΣ')]);
    sigma.push('ΟΔΟ');
    sigma.push('Σ');
    assert.equal(sigma.done, true);
  });
});

describe('search dates', () => {
  it('reads search dates and refuses days that do not exist', () => {
    assert.equal(parseSearchDate('1-Feb-2026'), dayNumber(2026, 1, 1));
    assert.equal(parseSearchDate('29-Feb-2028'), dayNumber(2028, 1, 29));
    for (const bad of ['29-Feb-2026', '0-Jan-2026', '1-Feb-26', '1 Feb 2026', '1-February-2026'])
      assert.equal(parseSearchDate(bad), undefined, bad);
  });

  it('reads Date: headers with their zone, obsolete forms included', () => {
    assert.deepEqual(parseSentDate('Mon, 02 Feb 2026 23:30:00 -0500'), {
      day: dayNumber(2026, 1, 2),
      time: Date.UTC(2026, 1, 3, 4, 30),
    });
    assert.deepEqual(parseSentDate('2 Feb 26 10:00 GMT (comment)'), {
      day: dayNumber(2026, 1, 2),
      time: Date.UTC(2026, 1, 2, 10, 0),
    });
    assert.equal(parseSentDate('Tue, 3 Feb 2026 12:00:00 PST')?.time, Date.UTC(2026, 1, 3, 20, 0));
    assert.equal(parseSentDate('yesterday'), undefined);
    assert.equal(parseSentDate(undefined), undefined);
  });
});

describe('SORT addresses and ESEARCH results', () => {
  it('takes the local part of the first mailbox', () => {
    assert.equal(firstMailbox('"Smith, Ann" <ann@example.org>, bob@x'), 'ann');
    assert.equal(firstMailbox('bob@example.org (Bob <b>)'), 'bob');
    assert.equal(firstMailbox('Team: carol@x, dave@y;, erin@z'), 'carol');
    assert.equal(firstMailbox('undisclosed-recipients:;'), '');
    assert.equal(firstMailbox('<@relay.example:frank@x>'), 'frank');
    assert.equal(firstMailbox('"odd \\"name\\""@x'), 'odd "name"');
    assert.equal(firstMailbox(undefined), '');
  });

  it('writes sequence sets compactly and saves what RFC 5182 §2.4 says', () => {
    assert.equal(compressSet([1, 2, 3, 5, 7, 8]), '1:3,5,7:8');
    assert.equal(compressSet([4]), '4');
    const options = (list: string) => parseReturnOptions(parseOk(`A SEARCH RETURN ${list} ALL`).args[1], 'A');
    assert.deepEqual(options('()'), { min: false, max: false, count: false, all: true, save: false });
    assert.deepEqual(savedMatches([2, 4, 6], options('(SAVE MIN)')), [2]);
    assert.deepEqual(savedMatches([2, 4, 6], options('(SAVE MIN MAX)')), [2, 6]);
    assert.deepEqual(savedMatches([2, 4, 6], options('(SAVE MIN COUNT)')), [2, 4, 6]);
    assert.deepEqual(savedMatches([2, 4, 6], options('(SAVE)')), [2, 4, 6]);
  });
});
