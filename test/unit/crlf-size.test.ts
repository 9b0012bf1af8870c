/**
 * The CRLF size the MIME analysis records at delivery is exactly what POP3 RETR sends and LIST
 * reports (the POP3 encoder's count), for any mix of line endings and any split into chunks.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { MimeStructureScanner } from '../../core/mime/structure-stream.js';
import { countOctets } from '../../plugins/pop3/message-encoder.js';

/** A small deterministic PRNG (mulberry32), so a failure names a seed that reproduces it. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = ['Subject: x', 'a', '..dot', '.', '\r\n', '\n', '\r', '\r\r\n', '', 'body text', '\n\n'];

function message(next: () => number): Buffer {
  const parts: string[] = [];
  const count = Math.floor(next() * 40);
  for (let i = 0; i < count; i++) parts.push(PIECES[Math.floor(next() * PIECES.length)]);
  return Buffer.from(parts.join(''));
}

function scannedInChunks(body: Buffer, next: () => number): number | undefined {
  const scanner = new MimeStructureScanner();
  for (let at = 0; at < body.length;) {
    const size = 1 + Math.floor(next() * 5);
    scanner.write(body.subarray(at, at + size));
    at += size;
  }
  return scanner.finish().mime.crlfSize;
}

describe('crlfSize recorded by the MIME analysis', () => {
  it('equals the POP3 encoder’s count for 2,000 seeded random bodies split at random boundaries', async () => {
    for (let seed = 1; seed <= 2_000; seed++) {
      const next = random(seed);
      const body = message(next);
      const expected = await countOctets(Readable.from([body]));
      assert.equal(scannedInChunks(body, next), expected, `seed ${seed}: ${JSON.stringify(body.toString())}`);
    }
  });

  it('counts the obvious cases', () => {
    const size = (text: string) => scannedInChunks(Buffer.from(text), () => 0.99);
    assert.equal(size(''), 0);
    assert.equal(size('a\r\n'), 3);
    assert.equal(size('a\n'), 3, 'a bare LF gets its CR');
    assert.equal(size('a'), 3, 'a last line gets its CRLF');
    assert.equal(size('a\r'), 3, 'a last line ending in CR gets only the LF');
    assert.equal(size('a\nb\r\nc'), 9);
  });
});
