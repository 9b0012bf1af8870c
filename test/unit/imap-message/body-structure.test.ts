import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderBodyStructure } from '../../../plugins/imap/message/body-structure.js';
import { AS_STORED, measureOctets } from '../../../plugins/imap/message/octets.js';
import { sample } from './corpus.js';
import { serialize } from './wire.js';

async function structure(name: string, extended: boolean): Promise<string> {
  const s = await sample(name);
  const measure = await measureOctets(s.analysis.mime, s.open);
  return (await serialize(renderBodyStructure(s.analysis.mime, { extended, measure }))).toString();
}

describe('BODY and BODYSTRUCTURE', () => {
  it('renders a multipart with its parts side by side, then subtype and extension data', async () => {
    assert.equal(
      await structure('04-alternative.eml', true),
      '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 14 0 NIL NIL NIL NIL)' +
        '("text" "html" ("charset" "us-ascii") NIL NIL "7bit" 46 0 NIL NIL NIL NIL)' +
        ' "alternative" ("boundary" "alt") NIL NIL NIL)',
    );
    assert.equal(
      await structure('04-alternative.eml', false),
      '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 14 0)("text" "html" ("charset" "us-ascii") NIL NIL "7bit" 46 0) "alternative")',
    );
  });

  it('defaults a message without MIME headers to text/plain; charset=us-ascii, 7bit', async () => {
    assert.equal(
      await structure('02-no-mime-headers.eml', true),
      '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 24 1 NIL NIL NIL NIL)',
    );
  });

  it('gives single parts every field: id, description, encoding, md5, disposition, language, location', async () => {
    const text = await structure('03-mixed-attachment.eml', true);
    assert.ok(
      text.includes(
        '("application" "pdf" ("name" "report.pdf") "<report@example.com>" "The quarterly report" "base64" 114' +
          ' "Q2hlY2sgSW50ZWdyaXR5IQ==" ("attachment" ("filename" "report.pdf" "size" "120")) ("de")' +
          ' "http://example.com/report.pdf")',
      ),
      text,
    );
    assert.ok(text.includes('"quoted-printable" 31 1 NIL NIL ("en" "fr") NIL)'), text);
  });

  it('describes a message/rfc822 part with the enclosed envelope, structure and lines', async () => {
    const text = await structure('06-rfc822-attached.eml', false);
    assert.equal(
      text,
      '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 10 0)("message" "rfc822" NIL NIL NIL "7bit" 277' +
        ' ("Mon, 30 Sep 2024 08:00:00 -0400" "the forwarded message" (("Inner Sender" NIL "inner" "example.org"))' +
        ' (("Inner Sender" NIL "inner" "example.org")) (("Inner Sender" NIL "inner" "example.org"))' +
        ' (("Inner Rcpt" NIL "inner-rcpt" "example.org")) NIL NIL NIL "<inner-1@example.org>")' +
        ' ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 44 1) 8) "mixed")',
    );
  });

  it('counts bare LFs as CRLF in sizes, and line breaks (not a last partial line) in lines', async () => {
    const s = await sample('11-bare-lf.eml');
    const measure = await measureOctets(s.analysis.mime, s.open);
    assert.equal(measure.convert, true);
    const text = (
      await serialize(renderBodyStructure(s.analysis.mime, { extended: false, measure }))
    ).toString();
    assert.ok(text.startsWith('(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 38 1)'), text);
    // as stored, the same part is 37 octets and core/mime counts 2 lines
    const stored = (
      await serialize(renderBodyStructure(s.analysis.mime, { extended: false, measure: AS_STORED }))
    ).toString();
    assert.ok(stored.startsWith('(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 37 2)'), stored);
  });

  it('sends RFC 2231 parameters that were decoded to non-ASCII as utf-8 name*', async () => {
    const text = await structure('18-rfc2231.eml', true);
    assert.ok(
      text.includes('("attachment" ("filename*" "utf-8\'\'%E2%82%AC%20rates%20%C3%A9t%C3%A9.txt"))'),
      text,
    );
    assert.ok(text.includes('("name" "very-long-file-name.bin")'), text);
  });

  it('keeps the enclosed message of a top-level message/rfc822 and of a digest', async () => {
    const root = await structure('22-rfc822-root.eml', false);
    assert.ok(root.startsWith('("message" "rfc822" NIL NIL NIL "7bit" '), root);
    const digest = await structure('21-digest.eml', false);
    assert.ok(digest.startsWith('(("message" "rfc822" NIL NIL NIL "7bit" '), digest);
    assert.ok(digest.endsWith(' "digest")'), digest);
  });
});
