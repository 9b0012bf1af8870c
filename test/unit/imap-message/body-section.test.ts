import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderBodyStructure } from '../../../plugins/imap/message/body-structure.js';
import { renderSection } from '../../../plugins/imap/message/body-section.js';
import { measureOctets, type OctetMeasure } from '../../../plugins/imap/message/octets.js';
import {
  findPart,
  formatSection,
  parseSection,
  planSection,
  type PartialRange,
} from '../../../plugins/imap/message/section.js';
import type { ImapValue } from '../../../plugins/imap/message/values.js';
import { corpusNames, sample, type Sample } from './corpus.js';
import { serialize } from './wire.js';

async function fetchText(s: Sample, section: string, partial?: PartialRange, measure?: OctetMeasure) {
  const spec = parseSection(section);
  assert.ok(spec, section);
  const literal = await renderSection(s.analysis.mime, spec, partial, { open: s.open, measure });
  const bytes = await serialize(literal);
  return bytes.subarray(bytes.indexOf('\r\n') + 2).toString('latin1');
}

describe('section addressing', () => {
  it('parses and names sections as a FETCH response does', () => {
    assert.deepEqual(parseSection(''), { part: [] });
    assert.deepEqual(parseSection('1.2.3'), { part: [1, 2, 3] });
    assert.deepEqual(parseSection('2.header'), { part: [2], text: 'HEADER' });
    assert.deepEqual(parseSection('HEADER.FIELDS (From "To")'), {
      part: [],
      text: 'HEADER.FIELDS',
      fields: ['From', 'To'],
    });
    assert.equal(
      formatSection(parseSection('1.header.fields.not (received x-spam)')!),
      '1.HEADER.FIELDS.NOT (RECEIVED X-SPAM)',
    );
    for (const bad of ['MIME', '0', '1.0', 'HEADER.FIELDS', 'TEXT (A)', '1.FOO', 'HEADER.FIELDS ()', '1..2'])
      assert.equal(parseSection(bad), undefined, bad);
  });

  it('numbers a non-multipart message as one part, 1, its body', async () => {
    const s = await sample('01-plain.eml');
    const mime = s.analysis.mime;
    assert.equal(findPart(mime, [1]), mime);
    assert.deepEqual(planSection(mime, { part: [1] }), {
      kind: 'range',
      start: mime.bodyStart,
      end: mime.end,
    });
    assert.deepEqual(planSection(mime, { part: [], text: 'TEXT' }), planSection(mime, { part: [1] }));
    assert.equal(findPart(mime, [2]), undefined);
    assert.equal(planSection(mime, { part: [1], text: 'HEADER' }), undefined); // part 1 is no message
  });

  it('reads the parts of a message/rfc822 part as those of the enclosed message', async () => {
    const s = await sample('07-rfc822-nested-twice.eml');
    assert.equal(await fetchText(s, '2.1'), 'Level 1 text.');
    assert.equal(await fetchText(s, '2.2.1'), 'Deepest plain.');
    assert.equal(await fetchText(s, '2.2.2.MIME'), 'Content-Type: text/html\r\n\r\n');
    assert.ok((await fetchText(s, '2.HEADER')).startsWith('From: Middle <middle@example.net>\r\n'));
    assert.ok((await fetchText(s, '2.HEADER')).endsWith('boundary="L1"\r\n\r\n'));
    assert.equal(await fetchText(s, '2.2.HEADER.FIELDS (subject)'), 'Subject: level 2\r\n\r\n');
    assert.ok((await fetchText(s, '2.MIME')).startsWith('Content-Type: message/rfc822; name="level1.eml"'));
    const root = await sample('22-rfc822-root.eml');
    assert.equal(await fetchText(root, '1.HEADER.FIELDS (SUBJECT)'), 'Subject: original\r\n\r\n');
    assert.equal(await fetchText(root, '1.2'), '<p>Original html.</p>');
  });

  it('filters header fields with their continuation lines, in order, ending with the blank line', async () => {
    const s = await sample('26-folded-headers.eml');
    assert.equal(
      await fetchText(s, 'HEADER.FIELDS (TO MESSAGE-ID)'),
      'To: one@example.com,\r\n\ttwo@example.com,\r\n  "Three,\r\n Person" <three@example.com>\r\nMessage-ID:\r\n <folded-26@example.com>\r\n\r\n',
    );
    assert.equal(await fetchText(s, 'HEADER.FIELDS (X-NONE)'), '\r\n');
    assert.ok(!(await fetchText(s, 'HEADER.FIELDS.NOT (FROM)')).includes('Folded'));
  });

  it('cuts partial windows, and sends an empty literal past the end or for a missing part', async () => {
    const s = await sample('01-plain.eml');
    assert.equal(await fetchText(s, 'TEXT', { origin: 0, count: 5 }), 'Hello');
    assert.equal(await fetchText(s, 'TEXT', { origin: 6, count: 3 }), 'Bob');
    assert.equal(await fetchText(s, '', { origin: 1_000_000, count: 3 }), '');
    assert.equal(await fetchText(s, '7'), '');
    assert.equal(await fetchText(s, 'HEADER.FIELDS (SUBJECT)', { origin: 9, count: 5 }), 'Plain');
  });

  it('reads only the window of a clean body, as a stream', async () => {
    const s = await sample('03-mixed-attachment.eml');
    const spec = parseSection('2')!;
    const part = findPart(s.analysis.mime, [2])!;
    s.opened.length = 0;
    const literal = await renderSection(s.analysis.mime, spec, { origin: 10, count: 20 }, { open: s.open });
    assert.equal(literal.size, 20);
    assert.ok(!Buffer.isBuffer(literal.literal));
    assert.deepEqual(s.opened, [{ start: part.bodyStart + 10, end: part.bodyStart + 30 }]);
  });

  it('sends bare-LF bodies with CRLF, partial windows counted on the converted octets', async () => {
    const s = await sample('11-bare-lf.eml');
    const measure = await measureOctets(s.analysis.mime, s.open);
    assert.equal(await fetchText(s, '1', undefined, measure), 'first part, line 1\r\nfirst part, line 2');
    assert.equal(await fetchText(s, '1', { origin: 17, count: 5 }, measure), '1\r\nfi');
    const whole = await fetchText(s, '', undefined, measure);
    assert.ok(!/[^\r]\n/.test(whole));
    assert.equal(whole.length, s.bytes.length + (s.bytes.toString().match(/\n/g)?.length ?? 0));
  });
});

function partNumbers(s: Sample): number[][] {
  const out: number[][] = [];
  const visit = (prefix: number[]): void => {
    for (let n = 1; n < 50; n++) {
      const part = [...prefix, n];
      const node = findPart(s.analysis.mime, part);
      if (!node) return;
      out.push(part);
      if (node.children?.length && !(prefix.length > 0 && node === findPart(s.analysis.mime, prefix)))
        visit(part);
    }
  };
  visit([]);
  return out;
}

/** The sizes in a BODYSTRUCTURE, in the order of partNumbers (depth first). */
function sizesOf(structure: ImapValue, into: number[] = []): number[] {
  if (!Array.isArray(structure)) return into;
  const first = structure[0];
  if (first && typeof first === 'object' && 'run' in first) {
    for (const part of first.run) sizesOf(part, into);
    return into;
  }
  into.push(structure[6] as number);
  if (structure[0] === 'message' && structure[1] === 'rfc822') sizesOf(structure[8] ?? null, into);
  return into;
}

describe('the corpus', () => {
  for (const name of corpusNames())
    it(`${name}: every literal has its announced size, and BODYSTRUCTURE sizes are BODY[part] sizes`, async () => {
      const s = await sample(name);
      const measure = await measureOctets(s.analysis.mime, s.open);
      const sizes: number[] = [];
      for (const part of partNumbers(s)) {
        const node = findPart(s.analysis.mime, part)!;
        const literal = await renderSection(s.analysis.mime, { part }, undefined, { open: s.open, measure });
        await serialize(literal); // throws when the octets are not the announced size
        if (!(node.contentType.startsWith('multipart/') && node.children?.length)) sizes.push(literal.size);
        for (const text of ['MIME', 'HEADER', 'TEXT'] as const)
          await serialize(
            await renderSection(
              s.analysis.mime,
              { part, text },
              { origin: 1, count: 7 },
              { open: s.open, measure },
            ),
          );
      }
      const whole = await renderSection(s.analysis.mime, { part: [] }, undefined, { open: s.open, measure });
      assert.equal(whole.size, measure.size(0, s.analysis.mime.end));
      const structure = renderBodyStructure(s.analysis.mime, { extended: true, measure });
      assert.deepEqual(sizesOf(structure), sizes);
    });
});
