import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DotStuffEncoder,
  DotUnstuffDecoder,
  UploadIncompleteError,
  UploadLineTooLongError,
  encodeDotStuffed,
  stuffLine,
  unstuffLine,
} from '../../../plugins/xmail-ctrl/protocol/index.js';

/** The custom domain file of the §6 upload/download transcript, as stored (LF endings). */
const CUSTDOM_FILE = '"redirect"\t"a@b.c"\n.dotline\n"lredirect"\t"x@example.org"\n';
/** What custdomget sends after `+00100 OK` in §6. */
const CUSTDOM_WIRE = '"redirect"\t"a@b.c"\r\n..dotline\r\n"lredirect"\t"x@example.org"\r\n.\r\n';
/** What the client sends after `+00101 OK` in §6. */
const CUSTDOM_UPLOAD = '"redirect"\t"a@b.c"\r\n..dotline\r\n"lredirect"\t"x@example.org"\r\n.\r\n';

async function encode(chunks: Buffer[]): Promise<string> {
  const encoder = new DotStuffEncoder();
  const out: Buffer[] = [];
  encoder.on('data', (chunk: Buffer) => out.push(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    encoder.on('end', resolve);
    encoder.on('error', reject);
  });
  for (const chunk of chunks) encoder.write(chunk);
  encoder.end();
  await ended;
  return Buffer.concat(out).toString('latin1');
}

interface DecodeResult {
  content: string;
  remainder: string;
  error?: Error;
}

async function decode(chunks: Buffer[], endInput = false): Promise<DecodeResult> {
  const decoder = new DotUnstuffDecoder();
  const out: Buffer[] = [];
  decoder.on('data', (chunk: Buffer) => out.push(chunk));
  const finished = new Promise<Error | undefined>((resolve) => {
    decoder.on('end', () => resolve(undefined));
    decoder.on('error', resolve);
  });
  for (const chunk of chunks) decoder.write(chunk);
  if (endInput) decoder.end();
  const error = await finished;
  return {
    content: Buffer.concat(out).toString('latin1'),
    remainder: decoder.remainder.toString('latin1'),
    error,
  };
}

const bytewise = (text: string): Buffer[] =>
  [...Buffer.from(text, 'latin1')].map((byte) => Buffer.from([byte]));

describe('line helpers (spec §3.2)', () => {
  it('stuffs a leading dot on the way out', () => {
    assert.equal(stuffLine('.dotline'), '..dotline');
    assert.equal(stuffLine('.'), '..');
    assert.equal(stuffLine('a.b'), 'a.b');
    assert.equal(stuffLine(''), '');
  });

  it('removes the first char of ANY dot line on the way in, null for the end marker', () => {
    assert.equal(unstuffLine('..dotline'), '.dotline');
    assert.equal(unstuffLine('.x'), 'x');
    assert.equal(unstuffLine('..'), '.');
    assert.equal(unstuffLine('.'), null);
    assert.equal(unstuffLine(''), '');
    assert.equal(unstuffLine('x.'), 'x.');
  });

  it('encodes a whole small file like custdomget in §6', () => {
    assert.equal(encodeDotStuffed(CUSTDOM_FILE), CUSTDOM_WIRE);
    assert.equal(encodeDotStuffed(''), '.\r\n');
    assert.equal(encodeDotStuffed('\n'), '\r\n.\r\n');
    assert.equal(encodeDotStuffed('a\r\nb'), 'a\r\nb\r\n.\r\n');
    assert.equal(encodeDotStuffed('.\n'), '..\r\n.\r\n');
  });
});

describe('DotStuffEncoder (server → client file bodies)', () => {
  it('produces the §6 custdomget body', async () => {
    assert.equal(await encode([Buffer.from(CUSTDOM_FILE)]), CUSTDOM_WIRE);
  });

  it('gives the same bytes when fed one byte at a time', async () => {
    assert.equal(await encode(bytewise(CUSTDOM_FILE)), CUSTDOM_WIRE);
  });

  it('handles CRLF files, a final line without LF, trailing CRs and empty lines', async () => {
    assert.equal(await encode([Buffer.from('a\r\n\r\n.b\r\r\nlast')]), 'a\r\n\r\n..b\r\nlast\r\n.\r\n');
    assert.equal(await encode([Buffer.from('tail\r')]), 'tail\r\n.\r\n');
  });

  it('sends just the end marker for an empty file', async () => {
    assert.equal(await encode([]), '.\r\n');
  });

  it('stuffs a dot that starts a chunk but not a line', async () => {
    assert.equal(await encode([Buffer.from('ab'), Buffer.from('.c\n.d\n')]), 'ab.c\r\n..d\r\n.\r\n');
  });

  it('streams a large body unchanged apart from stuffing', async () => {
    const line = 'x'.repeat(99);
    const file = `${line}\n.${line}\n`.repeat(20_000);
    const chunks: Buffer[] = [];
    const bytes = Buffer.from(file);
    for (let i = 0; i < bytes.length; i += 65_536) chunks.push(bytes.subarray(i, i + 65_536));
    const wire = await encode(chunks);
    assert.equal(wire, `${line}\r\n..${line}\r\n`.repeat(20_000) + '.\r\n');
  });

  it('passes bytes > 127 through untouched', async () => {
    const wire = await encode([Buffer.from('caf\xE9\n', 'latin1')]);
    assert.equal(wire, 'caf\xE9\r\n.\r\n');
  });
});

describe('DotUnstuffDecoder (client → server uploads)', () => {
  it('decodes the §6 custdomset upload to the stored file', async () => {
    const result = await decode([Buffer.from(CUSTDOM_UPLOAD)]);
    assert.equal(result.error, undefined);
    assert.equal(result.content, CUSTDOM_FILE);
    assert.equal(result.remainder, '');
  });

  it('round-trips with the encoder (custdomset then custdomget)', async () => {
    const stored = await decode([Buffer.from(CUSTDOM_UPLOAD)]);
    assert.equal(await encode([Buffer.from(stored.content)]), CUSTDOM_WIRE);
  });

  it('decodes the same when fed one byte at a time, with bare LF endings', async () => {
    const result = await decode(bytewise('"mailbox"\n.x\n..\n.\n'));
    assert.equal(result.content, '"mailbox"\nx\n.\n');
  });

  it('treats an upload of just "." as empty (deletes the file)', async () => {
    const result = await decode([Buffer.from('.\r\n')]);
    assert.equal(result.error, undefined);
    assert.equal(result.content, '');
  });

  it('hands back the bytes after the end marker and ignores later writes', async () => {
    const decoder = new DotUnstuffDecoder();
    const terminated = new Promise<Buffer>((resolve) => decoder.on('terminated', resolve));
    decoder.resume();
    decoder.write(Buffer.from('"a"\r\n.\r\n"noop"\r\n"quit'));
    assert.equal((await terminated).toString(), '"noop"\r\n"quit');
    await new Promise((resolve) => decoder.write(Buffer.from('"\r\n'), resolve));
    assert.equal(decoder.remainder.toString(), '"noop"\r\n"quit"\r\n');
  });

  it('strips trailing CRs and keeps bytes > 127', async () => {
    const result = await decode([Buffer.from('caf\xE9\r\r\n.\r\n', 'latin1')]);
    assert.equal(result.content, 'caf\xE9\n');
  });

  it('fails with UploadLineTooLongError after reading up to "." (decision 3)', async () => {
    const upload = 'ok\r\n' + 'x'.repeat(2045) + '\r\n' + 'after\r\n.\r\n"noop"\r\n';
    const result = await decode([Buffer.from(upload)]);
    assert.ok(result.error instanceof UploadLineTooLongError);
    assert.equal(result.remainder, '"noop"\r\n');
  });

  it('accepts an upload line of exactly 2046 bytes including CRLF', async () => {
    const line = 'x'.repeat(2044);
    const result = await decode([Buffer.from(`${line}\r\n.\r\n`)]);
    assert.equal(result.error, undefined);
    assert.equal(result.content, `${line}\n`);
  });

  it('fails with UploadIncompleteError when the input ends before "."', async () => {
    const result = await decode([Buffer.from('"mailbox"\r\n')], true);
    assert.ok(result.error instanceof UploadIncompleteError);
  });
});
