import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { simpleParser } from 'mailparser';
import libmime from 'libmime';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import type { MimeNode } from '../../core/model/mime.js';
import { MAX_PARAMS, MAX_VALUE_LENGTH } from '../../core/model/mime-limits.js';
import {
  MAX_DEPTH,
  MAX_PARTS,
  MimeStructureScanner,
  MimeStructureStream,
  analyseMime,
  type MimeAnalysis,
} from '../../core/mime/structure-stream.js';

const crlf = (...lines: string[]): Buffer => Buffer.from(lines.join('\r\n'));
const lf = (...lines: string[]): Buffer => Buffer.from(lines.join('\n'));

function scan(message: Buffer): MimeAnalysis {
  const scanner = new MimeStructureScanner();
  scanner.write(message);
  return scanner.finish();
}

function scanInChunks(message: Buffer, sizes: Iterable<number>): MimeAnalysis {
  const scanner = new MimeStructureScanner();
  let pos = 0;
  for (const size of sizes) {
    if (pos >= message.length) break;
    scanner.write(message.subarray(pos, pos + size));
    pos += size;
  }
  scanner.write(message.subarray(pos));
  return scanner.finish();
}

const header = (message: Buffer, node: MimeNode): string =>
  message.subarray(node.headerStart, node.bodyStart).toString();
const body = (message: Buffer, node: MimeNode): string =>
  message.subarray(node.bodyStart, node.end).toString();

function allNodes(node: MimeNode): MimeNode[] {
  return [node, ...(node.children ?? []).flatMap(allNodes)];
}

function depthOf(node: MimeNode): number {
  return 1 + Math.max(0, ...(node.children ?? []).map(depthOf));
}

/** Structural invariants every result must keep, whatever the input. */
function assertWellFormed(result: MimeAnalysis): void {
  const visit = (node: MimeNode, lower: number, upper: number): void => {
    assert.ok(
      lower <= node.headerStart && node.headerStart <= node.bodyStart,
      `part ${node.part}: header range`,
    );
    assert.ok(node.bodyStart <= node.end && node.end <= upper, `part ${node.part}: body range`);
    assert.ok(node.lines >= 0);
    if (node.contentType.startsWith('multipart/'))
      assert.ok(node.children && node.children.length > 0, `part ${node.part}: empty multipart`);
    let cursor = node.bodyStart;
    node.children?.forEach((child, i) => {
      if (node.contentType.startsWith('message/')) {
        assert.equal(child.part, node.part || '1');
        assert.equal(child.headerStart, node.bodyStart);
        assert.equal(child.end, node.end);
      } else {
        assert.equal(child.part, node.part ? `${node.part}.${i + 1}` : `${i + 1}`);
      }
      visit(child, cursor, node.end);
      cursor = child.end;
    });
  };
  visit(result.mime, 0, result.size);
  assert.equal(result.mime.part, '');
  assert.equal(result.mime.headerStart, 0);
  assert.equal(result.mime.end, result.size);
}

/** A deterministic PRNG so failures reproduce. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const NESTED = [
  'From: Ann <ann@example.org>',
  'To: bob@example.net,',
  '\tcarol@example.net',
  'Subject: nested',
  'Message-ID: <outer@example.org>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed;',
  ' boundary="outer b"',
  '',
  'This is the preamble.',
  '--outer b',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: 8bit',
  '',
  'first line',
  'second line',
  '',
  '--outer b',
  'Content-Type: message/rfc822',
  'Content-Description: forwarded',
  '',
  'From: inner@example.com',
  'Subject: inside',
  'Date: Mon, 1 Jan 2024 00:00:00 +0000',
  'Content-Type: multipart/alternative; boundary=in',
  '',
  '--in',
  'Content-Type: text/plain',
  '',
  'plain',
  '--in',
  'Content-Type: text/html',
  '',
  '<p>html</p>',
  '--in--',
  '--outer b',
  'Content-Type: application/octet-stream; name=a.bin',
  'Content-Transfer-Encoding: base64',
  '',
  'AAEC',
  '--outer b--',
  'epilogue',
  '',
];

describe('MimeStructureScanner: offsets', () => {
  it('records header and body ranges of every part of a nested message (CRLF)', () => {
    const message = crlf(...NESTED);
    const result = scan(message);
    assertWellFormed(result);
    const root = result.mime;
    assert.equal(root.contentType, 'multipart/mixed');
    assert.equal(root.params.boundary, 'outer b');
    assert.ok(header(message, root).startsWith('From: Ann'));
    assert.ok(header(message, root).endsWith('boundary="outer b"\r\n\r\n'));
    assert.equal(body(message, root), message.subarray(message.indexOf('This is the preamble.')).toString());
    assert.equal(result.size, message.length);

    const [text, forwarded, attachment] = root.children!;
    assert.deepEqual(
      root.children!.map((c) => c.part),
      ['1', '2', '3'],
    );
    assert.equal(
      header(message, text!),
      'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n',
    );
    assert.equal(body(message, text!), 'first line\r\nsecond line\r\n');
    assert.equal(text!.lines, 2);
    assert.equal(text!.encoding, '8bit');
    assert.deepEqual(text!.params, { charset: 'utf-8' });

    assert.equal(forwarded!.contentType, 'message/rfc822');
    assert.equal(forwarded!.description, 'forwarded');
    assert.deepEqual(forwarded!.envelope, {
      from: 'inner@example.com',
      subject: 'inside',
      date: 'Mon, 1 Jan 2024 00:00:00 +0000',
    });
    const inner = forwarded!.children![0]!;
    assert.equal(inner.part, '2');
    assert.equal(inner.contentType, 'multipart/alternative');
    assert.equal(
      header(message, inner),
      'From: inner@example.com\r\nSubject: inside\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\nContent-Type: multipart/alternative; boundary=in\r\n\r\n',
    );
    assert.equal(
      body(message, inner),
      '--in\r\nContent-Type: text/plain\r\n\r\nplain\r\n--in\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n--in--',
    );
    assert.equal(body(message, forwarded!), header(message, inner) + body(message, inner));
    assert.equal(forwarded!.lines, 14);
    const [plain, html] = inner.children!;
    assert.equal(plain!.part, '2.1');
    assert.equal(body(message, plain!), 'plain');
    assert.equal(plain!.lines, 1);
    assert.equal(html!.part, '2.2');
    assert.equal(html!.contentType, 'text/html');
    assert.equal(header(message, html!), 'Content-Type: text/html\r\n\r\n');
    assert.equal(body(message, html!), '<p>html</p>');

    assert.equal(attachment!.part, '3');
    assert.equal(attachment!.encoding, 'base64');
    assert.deepEqual(attachment!.params, { name: 'a.bin' });
    assert.equal(body(message, attachment!), 'AAEC');

    assert.deepEqual(result.envelope, {
      from: 'Ann <ann@example.org>',
      to: 'bob@example.net,\tcarol@example.net',
      subject: 'nested',
      messageId: '<outer@example.org>',
    });
    assert.equal(result.lines, NESTED.length - 1); // the last element is the empty line after the final CRLF
  });

  it('gives bare-LF input the same structure with offsets into the LF bytes', () => {
    const message = lf(...NESTED);
    const result = scan(message);
    assertWellFormed(result);
    const [text, forwarded, attachment] = result.mime.children!;
    assert.equal(
      header(message, text!),
      'Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n',
    );
    assert.equal(body(message, text!), 'first line\nsecond line\n');
    const [plain, html] = forwarded!.children![0]!.children!;
    assert.equal(body(message, plain!), 'plain');
    assert.equal(body(message, html!), '<p>html</p>');
    assert.equal(body(message, attachment!), 'AAEC');
    const shape = (r: MimeAnalysis) => allNodes(r.mime).map((n) => [n.part, n.contentType, n.lines]);
    assert.deepEqual(shape(result), shape(scan(crlf(...NESTED))));
  });

  it('handles a single-part message: the root is part "" and its body is BODY[1]', () => {
    const message = crlf('Subject: one', '', 'body line 1', 'body line 2');
    const result = scan(message);
    assertWellFormed(result);
    assert.equal(result.mime.contentType, 'text/plain');
    assert.deepEqual(result.mime.params, { charset: 'us-ascii' });
    assert.equal(result.mime.children, undefined);
    assert.equal(body(message, result.mime), 'body line 1\r\nbody line 2');
    assert.equal(result.mime.lines, 2);
    assert.equal(result.lines, 4);
  });

  it('reads the trace fields of the top-level header only (Received count, Return-Path)', () => {
    const message = crlf(
      'Received: from a by b; Mon, 1 Jan 2026 00:00:00 +0000',
      'received: from c',
      '\tby d; Mon, 1 Jan 2026 00:00:00 +0000',
      'X-Note: Received: is not a field here',
      'Content-Type: message/rfc822',
      '',
      'Received: from inner',
      'Subject: inner',
      '',
      'Received: in the body',
    );
    assert.deepEqual(scan(message).trace, { received: 2, returnPath: false });
    assert.deepEqual(scanInChunks(message, [1, 9, 3, 40]).trace, { received: 2, returnPath: false });
    assert.deepEqual(scan(crlf('Subject: none', '', 'Received: body', 'Return-Path: <x@y>')).trace, {
      received: 0,
      returnPath: false,
    });
    assert.deepEqual(scan(crlf('Return-Path: <a@b>', 'Received: from x', '', 'body')).trace, {
      received: 1,
      returnPath: true,
    });
  });

  it('numbers the enclosed message of a top-level message/rfc822 as part 1', () => {
    const message = crlf(
      'Content-Type: message/rfc822',
      '',
      'Subject: in',
      'Content-Type: multipart/mixed; boundary=z',
      '',
      '--z',
      '',
      'x',
      '--z--',
      '',
    );
    const result = scan(message);
    assertWellFormed(result);
    const inner = result.mime.children![0]!;
    assert.equal(inner.part, '1');
    assert.equal(inner.children![0]!.part, '1.1');
    assert.equal(body(message, inner.children![0]!), 'x');
    assert.deepEqual(result.mime.envelope, { subject: 'in' });
  });

  it('ends an unterminated multipart at the end of the input, and a part at the outer delimiter', () => {
    const message = crlf(
      'Content-Type: multipart/mixed; boundary=a',
      '',
      '--a',
      'Content-Type: multipart/alternative; boundary=b',
      '',
      '--b',
      '',
      'inner never closed',
      '--a',
      '',
      'last part, no final delimiter',
    );
    const result = scan(message);
    assertWellFormed(result);
    const [alternative, last] = result.mime.children!;
    assert.equal(body(message, alternative!), '--b\r\n\r\ninner never closed');
    assert.equal(body(message, alternative!.children![0]!), 'inner never closed');
    assert.equal(body(message, last!), 'last part, no final delimiter');
    assert.equal(last!.end, message.length);
  });

  it('recognises delimiters with transport padding and a closing delimiter without a final line break', () => {
    const message = crlf('Content-Type: multipart/mixed; boundary=a', '', '--a  \t', '', 'one', '--a-- ');
    const result = scan(message);
    assertWellFormed(result);
    assert.equal(result.mime.children!.length, 1);
    assert.equal(body(message, result.mime.children![0]!), 'one');
  });

  it('ignores delimiters in the epilogue (RFC 2046 §5.1.1)', () => {
    const message = crlf(
      'Content-Type: multipart/mixed; boundary=a',
      '',
      '--a',
      '',
      'one',
      '--a--',
      '--a',
      '',
      'epilogue',
      '',
    );
    const result = scan(message);
    assert.equal(result.mime.children!.length, 1);
    assert.equal(body(message, result.mime.children![0]!), 'one');
    assert.equal(result.mime.end, message.length);
  });

  it('does not take a longer line that starts like a delimiter for one', () => {
    const message = crlf(
      'Content-Type: multipart/mixed; boundary=a',
      '',
      '--a',
      '',
      '--ab',
      '--a-x',
      '--a--',
    );
    const part = scan(message).mime.children!;
    assert.equal(part.length, 1);
    assert.equal(body(message, part[0]!), '--ab\r\n--a-x');
  });

  it('keeps empty parts, parts without a header, and parts whose header runs into the delimiter', () => {
    const message = crlf(
      'Content-Type: multipart/mixed; boundary=a',
      '',
      '--a',
      '--a',
      'Content-Type: text/html',
      '--a',
      '',
      '',
      '--a--',
      '',
    );
    const result = scan(message);
    assertWellFormed(result);
    const [empty, headerOnly, blank] = result.mime.children!;
    assert.equal(empty!.bodyStart, empty!.end);
    assert.equal(headerOnly!.contentType, 'text/html');
    assert.equal(header(message, headerOnly!), 'Content-Type: text/html');
    assert.equal(headerOnly!.bodyStart, headerOnly!.end);
    assert.equal(header(message, blank!), '\r\n');
    assert.equal(body(message, blank!), '');
    assert.equal(blank!.lines, 0);
  });

  it('handles a message with no body, one with a header only, and empty input', () => {
    const noBody = crlf('Subject: x', '', '');
    let result = scan(noBody);
    assert.equal(result.mime.bodyStart, noBody.length);
    assert.equal(result.mime.end, noBody.length);
    assert.equal(result.envelope.subject, 'x');

    const headerOnly = crlf('Subject: y', 'From: a@b');
    result = scan(headerOnly);
    assert.equal(header(headerOnly, result.mime), 'Subject: y\r\nFrom: a@b');
    assert.equal(result.mime.bodyStart, headerOnly.length);
    assert.deepEqual(result.envelope, { subject: 'y', from: 'a@b' });
    assert.equal(result.lines, 2);

    result = scan(Buffer.alloc(0));
    assertWellFormed(result);
    assert.deepEqual(result, {
      mime: {
        part: '',
        contentType: 'text/plain',
        params: { charset: 'us-ascii' },
        headerStart: 0,
        bodyStart: 0,
        end: 0,
        lines: 0,
        crlfSize: 0,
      },
      envelope: {},
      size: 0,
      lines: 0,
      trace: { received: 0, returnPath: false },
    });
  });
});

describe('MimeStructureScanner: header fields', () => {
  it('decodes RFC 2231 parameters and reads every BODYSTRUCTURE field', () => {
    const message = crlf(
      'Content-Type: multipart/mixed; boundary=a',
      '',
      '--a',
      "Content-Type: Application/PDF; NAME*=utf-8''%E2%82%AC%20rates.pdf",
      'Content-Disposition: attachment;',
      "  filename*0*=utf-8''%E2%82%AC%20;",
      '  filename*1="rates.pdf"; size=3',
      'Content-ID: <pdf@x>',
      'Content-Description: Rates',
      'Content-Transfer-Encoding: BASE64',
      'Content-Language: en, de-CH',
      'Content-Location: http://example.org/rates.pdf',
      'Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==',
      '',
      'AAA=',
      '--a--',
    );
    const part = scan(message).mime.children![0]!;
    assert.deepEqual(part, {
      part: '1',
      contentType: 'application/pdf',
      params: { name: '€ rates.pdf' },
      disposition: { type: 'attachment', params: { filename: '€ rates.pdf', size: '3' } },
      id: '<pdf@x>',
      description: 'Rates',
      encoding: 'base64',
      language: ['en', 'de-CH'],
      location: 'http://example.org/rates.pdf',
      md5: 'Q2hlY2sgSW50ZWdyaXR5IQ==',
      headerStart: part.headerStart,
      bodyStart: part.bodyStart,
      end: part.end,
      lines: 1,
    });
    assert.equal(body(message, part), 'AAA=');
  });

  it('keeps 8-bit header bytes: UTF-8 as text, anything else byte for byte', () => {
    const message = Buffer.concat([
      Buffer.from('Subject: Grüße\r\nFrom: '),
      Buffer.from([0x4a, 0xf6, 0x72, 0x67]),
      Buffer.from(' <j@x>\r\n\r\nbody'),
    ]);
    const result = scan(message);
    assert.equal(result.envelope.subject, 'Grüße');
    assert.equal(result.envelope.from, 'Jörg <j@x>');
    assert.equal(body(message, result.mime), 'body');
  });

  it('uses message/rfc822 as the default type inside multipart/digest', () => {
    const message = crlf(
      'Content-Type: multipart/digest; boundary=d',
      '',
      '--d',
      '',
      'Subject: one',
      '',
      'x',
      '--d--',
    );
    const part = scan(message).mime.children![0]!;
    assert.equal(part.contentType, 'message/rfc822');
    assert.equal(part.envelope?.subject, 'one');
    assert.equal(body(message, part.children![0]!), 'x');
  });

  it('treats composite parts it cannot split as opaque leaves', () => {
    const noBoundary = crlf('Content-Type: multipart/mixed', '', 'text');
    assert.equal(scan(noBoundary).mime.contentType, 'application/octet-stream');
    assert.equal(scan(noBoundary).mime.children, undefined);

    const noDelimiter = crlf('Content-Type: multipart/mixed; boundary=q', '', 'text only');
    assert.equal(scan(noDelimiter).mime.contentType, 'application/octet-stream');

    const encodedMessage = crlf(
      'Content-Type: message/rfc822',
      'Content-Transfer-Encoding: base64',
      '',
      'U3ViamVjdDogeA0KDQp4',
    );
    const result = scan(encodedMessage);
    assert.equal(result.mime.contentType, 'application/octet-stream');
    assert.equal(result.mime.envelope, undefined);
    assert.equal(body(encodedMessage, result.mime), 'U3ViamVjdDogeA0KDQp4');
  });

  it('defaults a malformed Content-Type to text/plain', () => {
    const result = scan(crlf('Content-Type: garbage; charset=utf-8', '', 'x'));
    assert.equal(result.mime.contentType, 'text/plain');
    assert.deepEqual(result.mime.params, { charset: 'utf-8' });
  });
});

describe('MimeStructureScanner: chunking', () => {
  const messages = { crlf: crlf(...NESTED), lf: lf(...NESTED), unterminated: crlf(...NESTED.slice(0, 30)) };

  for (const [name, message] of Object.entries(messages)) {
    it(`gives the same result for any chunking (${name})`, () => {
      const whole = scan(message);
      assert.deepEqual(
        scanInChunks(message, Array<number>(message.length).fill(1)),
        whole,
        'one byte at a time',
      );
      for (let cut = 0; cut <= message.length; cut++) {
        assert.deepEqual(scanInChunks(message, [cut]), whole, `split at byte ${cut}`);
      }
      const next = random(42);
      for (let round = 0; round < 200; round++) {
        const sizes = Array.from({ length: message.length }, () => 1 + Math.floor(next() * 40));
        assert.deepEqual(scanInChunks(message, sizes), whole, `random round ${round}`);
      }
    });
  }
});

describe('MimeStructureScanner: hostile input', () => {
  it('caps nesting depth and keeps the deepest level opaque', () => {
    const levels = MAX_DEPTH + 20;
    const open: string[] = [];
    const close: string[] = [];
    for (let i = 0; i < levels; i++) {
      open.push(`Content-Type: multipart/mixed; boundary=b${i}`, '', `--b${i}`);
      close.unshift(`--b${i}--`);
    }
    const message = crlf(...open, 'Content-Type: text/plain', '', 'deep', ...close, '');
    const result = scan(message);
    assertWellFormed(result);
    assert.equal(depthOf(result.mime), MAX_DEPTH + 1);
    const deepest = allNodes(result.mime).find((n) => !n.children)!;
    assert.equal(deepest.contentType, 'application/octet-stream');
    assert.equal(deepest.part.split('.').length, MAX_DEPTH);
    assert.ok(body(message, deepest).includes('deep'));
  });

  it('caps the number of parts', () => {
    const lines = ['Content-Type: multipart/mixed; boundary=p', ''];
    for (let i = 0; i < MAX_PARTS + 500; i++) lines.push('--p', '', `part ${i}`);
    lines.push('--p--');
    const message = crlf(...lines);
    const result = scan(message);
    assertWellFormed(result);
    assert.equal(allNodes(result.mime).length, MAX_PARTS);
    const last = result.mime.children!.at(-1)!;
    assert.ok(body(message, last).endsWith(`part ${MAX_PARTS + 499}`));
  });

  it('caps what a part keeps: parameters, their values and header fields', () => {
    // Well past the caps, and within MAX_HEADER_BYTES all together.
    const huge = 'x'.repeat(100_000);
    const many = Array.from({ length: MAX_PARAMS + 50 }, (_, i) => `p${i}=v`).join('; ');
    const message = crlf(
      `Subject: ${huge}`,
      `Content-Type: multipart/mixed; boundary=b; name="${huge}"; ${many}`,
      `Content-Description: ${huge}`,
      '',
      '--b',
      `Content-Disposition: attachment; filename="${huge}"`,
      '',
      'part',
      '--b--',
      '',
    );
    const result = scan(message);
    assertWellFormed(result);
    const [part] = result.mime.children!;
    assert.equal(result.mime.params.name, huge.slice(0, MAX_VALUE_LENGTH));
    assert.equal(Object.keys(result.mime.params).length, MAX_PARAMS);
    assert.equal(result.mime.params.boundary, 'b');
    assert.equal(result.mime.description?.length, MAX_VALUE_LENGTH);
    assert.equal(result.envelope.subject?.length, MAX_VALUE_LENGTH);
    assert.equal(part.disposition?.params.filename.length, MAX_VALUE_LENGTH);
  });

  it('never throws on random bytes and always returns a well-formed tree', () => {
    const next = random(7);
    const alphabet = Buffer.from(
      '--a\r\n\n:; =boundary"Content-Type multipart/mixed message/rfc822 \x00\xff\xc3',
    );
    for (let round = 0; round < 300; round++) {
      const bytes = Buffer.alloc(Math.floor(next() * 600));
      for (let i = 0; i < bytes.length; i++)
        bytes[i] = next() < 0.7 ? alphabet[Math.floor(next() * alphabet.length)]! : Math.floor(next() * 256);
      const prefix =
        round % 2 === 0 ? crlf('Content-Type: multipart/mixed; boundary=a', '', '') : Buffer.alloc(0);
      const message = Buffer.concat([prefix, bytes]);
      const result = scan(message);
      assertWellFormed(result);
      assert.equal(result.size, message.length);
    }
  });

  it('reads binary garbage without line breaks as a header-only text/plain message', () => {
    const garbage = Buffer.alloc(3 * 1024 * 1024, 0xab);
    const result = scan(garbage);
    assert.equal(result.mime.contentType, 'text/plain');
    assert.equal(result.mime.bodyStart, garbage.length);
    assert.equal(result.size, garbage.length);
    assert.equal(result.lines, 1);
  });
});

describe('MimeStructureStream', () => {
  it('passes the bytes through unchanged and resolves the structure at the end', async () => {
    const message = crlf(...NESTED);
    const analyser = new MimeStructureStream();
    const received: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        received.push(chunk);
        done();
      },
    });
    const chunks = Array.from({ length: Math.ceil(message.length / 7) }, (_, i) =>
      message.subarray(i * 7, i * 7 + 7),
    );
    await pipeline(Readable.from(chunks), analyser, sink);
    assert.deepEqual(Buffer.concat(received), message);
    assert.deepEqual(await analyser.result, scan(message));
  });

  it('rejects the result when the stream is destroyed before the end', async () => {
    const analyser = new MimeStructureStream();
    const errored = once(analyser, 'error');
    analyser.write(Buffer.from('Subject: x\r\n'));
    analyser.destroy(new Error('client went away'));
    await errored;
    await assert.rejects(analyser.result, /client went away/);
  });

  it('analyseMime reads an async iterable', async () => {
    const message = lf(...NESTED);
    async function* source() {
      for (let i = 0; i < message.length; i += 13) yield message.subarray(i, i + 13);
    }
    assert.deepEqual(await analyseMime(source()), scan(message));
  });

  it('streams a 50 MB attachment to disk with bounded memory and exact offsets', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mime-structure-'));
    try {
      const head = crlf(
        'From: big@example.org',
        'Subject: big',
        'Content-Type: multipart/mixed; boundary=BIG',
        '',
        '--BIG',
        'Content-Type: text/plain',
        '',
        'see attachment',
        '--BIG',
        'Content-Type: application/octet-stream; name=big.bin',
        'Content-Transfer-Encoding: base64',
        '',
        '',
      );
      const tail = Buffer.from('\r\n--BIG--\r\n');
      const line = Buffer.from(
        'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\r\n',
      );
      const linesPerChunk = 1024;
      const block = Buffer.concat(Array<Buffer>(linesPerChunk).fill(line));
      const blocks = Math.ceil((50 * 1024 * 1024) / block.length);
      // The tail brings its own CRLF for the delimiter, so the attachment keeps its last line break.
      const attachmentSize = blocks * block.length;
      global.gc?.();
      const baseline = process.memoryUsage().rss;
      let peak = baseline;
      // Sampled from the producer: a timer could be starved while the pipeline runs.
      async function* source() {
        yield head;
        for (let i = 0; i < blocks; i++) {
          if (i % 16 === 0) peak = Math.max(peak, process.memoryUsage().rss);
          yield block;
        }
        yield tail;
      }

      const analyser = new MimeStructureStream();
      const file = join(dir, 'body.eml');
      await pipeline(Readable.from(source()), analyser, createWriteStream(file));
      peak = Math.max(peak, process.memoryUsage().rss);
      const result = await analyser.result;

      const growth = peak - baseline;
      assert.ok(growth < 25 * 1024 * 1024, `RSS grew by ${(growth / 1048576).toFixed(1)} MB`);
      assert.equal(result.size, (await stat(file)).size);
      const [text, attachment] = result.mime.children!;
      assert.equal(attachment!.end - attachment!.bodyStart, attachmentSize);
      assert.equal(attachment!.lines, blocks * linesPerChunk);
      assert.equal(attachment!.params.name, 'big.bin');

      const handle = await open(file);
      try {
        const read = async (start: number, end: number) => {
          const buffer = Buffer.alloc(end - start);
          await handle.read(buffer, 0, buffer.length, start);
          return buffer.toString();
        };
        assert.equal(await read(text!.bodyStart, text!.end), 'see attachment');
        assert.equal(await read(attachment!.bodyStart, attachment!.bodyStart + line.length), line.toString());
        assert.equal(
          await read(attachment!.end - 10, attachment!.end + tail.length),
          line.subarray(-10).toString() + tail.toString(),
        );
      } finally {
        await handle.close();
      }
      // The scanner also reads a file stream (the path a re-index of a stored body takes).
      assert.deepEqual(await analyseMime(createReadStream(file)), result);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('MimeStructureScanner compared with mailparser', () => {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'crlf' });
  const compose = async (mail: SendMailOptions): Promise<Buffer> =>
    (await transport.sendMail(mail)).message as Buffer;

  const cases: Record<string, SendMailOptions> = {
    'text only': { from: 'a@example.org', to: 'b@example.org', subject: 'plain', text: 'hello\nworld' },
    'alternative with attachments': {
      from: 'Ann <a@example.org>',
      to: 'b@example.org',
      subject: 'Grüße mit Anhang',
      text: 'see attached',
      html: '<p>see attached</p>',
      attachments: [
        {
          filename: 'report ünïcödé with a rather long name that needs continuation.txt',
          content: 'line one\nline two\n',
        },
        { filename: 'data.bin', content: Buffer.from([0, 1, 2, 3, 250, 251, 252]) },
        {
          filename: 'fwd.eml',
          content: 'Subject: forwarded\r\nFrom: c@example.org\r\n\r\ninner body\r\n',
          contentType: 'message/rfc822',
        },
      ],
    },
  };

  for (const [name, mail] of Object.entries(cases)) {
    it(`agrees on the top-level structure and attachment bytes (${name})`, async () => {
      const message = await compose(mail);
      const ours = scan(message);
      assertWellFormed(ours);
      const theirs = await simpleParser(message);

      const contentType = theirs.headers.get('content-type') as {
        value: string;
        params: Record<string, string>;
      };
      assert.equal(ours.mime.contentType, contentType.value);
      assert.deepEqual(ours.mime.params, contentType.params);
      assert.equal(libmime.decodeWords(ours.envelope.subject), mail.subject);
      assert.equal(ours.envelope.messageId, theirs.messageId);

      const attachments = allNodes(ours.mime).filter((n) => n.disposition?.type === 'attachment');
      assert.deepEqual(
        attachments.map((n) => n.disposition!.params.filename),
        theirs.attachments.map((a) => a.filename),
      );
      attachments.forEach((node, i) => {
        const raw = message.subarray(node.bodyStart, node.end);
        const decoded = node.encoding === 'base64' ? Buffer.from(raw.toString(), 'base64') : raw;
        assert.deepEqual(decoded, theirs.attachments[i]!.content, `attachment ${i}`);
      });
      const textNode = allNodes(ours.mime).find((n) => n.contentType === 'text/plain' && !n.disposition);
      assert.ok(textNode);
      // mailparser appends inline message/rfc822 parts to `text`, so ours is its first part.
      assert.ok(theirs.text?.startsWith(body(message, textNode).replace(/\r\n/g, '\n')));
      for (const forwarded of allNodes(ours.mime).filter((n) => n.contentType === 'message/rfc822')) {
        assert.equal(forwarded.envelope?.subject, 'forwarded');
        assert.match(body(message, forwarded.children![0]!), /^inner body\r?\n$/);
        assert.ok(theirs.text?.includes('inner body'));
      }
    });
  }
});
