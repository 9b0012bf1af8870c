import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderEnvelope } from '../../../plugins/imap/message/envelope.js';
import { sample } from './corpus.js';
import { serialize } from './wire.js';

const wire = async (value: Parameters<typeof serialize>[0]) => (await serialize(value)).toString();

describe('ENVELOPE', () => {
  it('renders the ten fields in RFC 3501 order from the stored envelope', async () => {
    const { analysis } = await sample('01-plain.eml');
    assert.equal(
      await wire(renderEnvelope(analysis.envelope)),
      '("Tue, 1 Oct 2024 09:59:58 +0200" "Plain text, nothing else" (("Alice Example" NIL "alice" "example.org"))' +
        ' (("Alice Example" NIL "alice" "example.org")) (("Alice Example" NIL "alice" "example.org"))' +
        ' (("Bob" NIL "bob" "example.net")(NIL NIL "carol" "example.net")) (("Dave, the Admin" NIL "dave" "example.net"))' +
        ' NIL "<earlier-0@example.net>" "<plain-1@example.org>")',
    );
  });

  it('defaults sender and reply-to to from when absent or empty, and nothing else', () => {
    const from = [{ run: [[null, null, 'a', 'b.c']] }];
    const envelope = renderEnvelope({ from: 'a@b.c', sender: '   ', to: 'x@y.z' }) as unknown[];
    assert.deepEqual(envelope[2], from);
    assert.deepEqual(envelope[3], from);
    assert.deepEqual(envelope[4], from);
    assert.equal(envelope[6], null); // cc
    assert.deepEqual(renderEnvelope({}), [null, null, null, null, null, null, null, null, null, null]);
  });

  it('keeps encoded words and groups as they are', async () => {
    const { analysis } = await sample('16-groups.eml');
    const fields = renderEnvelope(analysis.envelope) as unknown[];
    assert.equal(
      await wire(fields[5] as never),
      '((NIL NIL "Project Team" NIL)(NIL NIL "alice" "example.com")("Bob B." NIL "bob" "example.com")' +
        '(NIL NIL "carol" "example.com")(NIL NIL NIL NIL)(NIL NIL "outside" "example.org"))',
    );
    const encoded = renderEnvelope((await sample('08-encoded-words.eml')).analysis.envelope) as unknown[];
    assert.equal(encoded[1], '=?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?= =?UTF-8?Q?_und_Bonn?=');
  });

  it('writes the subject for humans: white space runs become one space, as a literal', async () => {
    assert.equal(
      await wire(renderEnvelope({ subject: 'plain words' })),
      '(NIL "plain words" NIL NIL NIL NIL NIL NIL NIL NIL)',
    );
    const [, tabbed] = renderEnvelope({ subject: ' a\t\tb  c ' }) as unknown[];
    assert.equal(await wire(tabbed as never), '{5}\r\na b c');
    const [, quoted] = renderEnvelope({ subject: 'say "hi"' }) as unknown[];
    assert.equal(await wire(quoted as never), '{8}\r\nsay "hi"');
  });
});
