/**
 * The evaluator's rounds over the file adapter's real blob store, wrapped to count what is read:
 * cheap keys decide without opening a body, the header is read only for HEADER and TEXT, and one
 * pass over the text parts serves every BODY and TEXT string.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { analyseMime, type BlobStore, type MessageMeta } from '../../../core/index.js';
import { createStorage } from '../../../storage-adapters/file/index.js';
import { parseSearchKeys } from '../../../plugins/imap/search/criteria.js';
import { searchMessages, type SearchCandidate } from '../../../plugins/imap/search/evaluate.js';
import { parseOk } from '../imap/parse-helpers.js';

const BODIES = [
  'From: a@x\r\nSubject: first\r\nX-Tag: red\r\n\r\nThe quick brown fox\r\n',
  'From: b@x\r\nSubject: second\r\nContent-Type: multipart/mixed; boundary=z\r\n\r\n--z\r\n' +
    'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n' +
    'lazy d=\r\nog\r\n--z\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\n' +
    Buffer.from('hidden fox').toString('base64') +
    '\r\n--z--\r\n',
];

describe('search evaluation rounds', () => {
  let dir: string;
  let blobs: BlobStore;
  const reads: { start: number; end: number }[] = [];
  let candidates: SearchCandidate[];

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'mw-search-eval-'));
    const storage = createStorage(`file:${dir}`);
    await storage.open();
    const real = storage.blobs;
    blobs = {
      putBlob: (body) => real.putBlob(body),
      openBlob: (id, range) => {
        reads.push(range ?? { start: 0, end: Infinity });
        return real.openBlob(id, range);
      },
      statBlob: (id) => real.statBlob(id),
      addBlobRef: (id) => real.addBlobRef(id),
      releaseBlob: (id) => real.releaseBlob(id),
    };
    candidates = [];
    for (const [index, text] of BODIES.entries()) {
      const body = Buffer.from(text);
      const blob = await real.putBlob(Readable.from([body]));
      const { mime, envelope } = await analyseMime(Readable.from([body]));
      const message: MessageMeta = {
        uid: index + 10,
        modseq: 1,
        blobId: blob.id,
        size: blob.size,
        internalDate: new Date('2026-02-01T00:00:00Z'),
        flags: index === 0 ? ['\\Seen'] : [],
        mime,
        envelope,
      };
      candidates.push({ sequence: index + 1, uid: message.uid, message });
    }
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function run(criteria: string): Promise<{ matched: number[]; reads: number }> {
    reads.length = 0;
    const key = parseSearchKeys(parseOk(`A SEARCH ${criteria}`).args, 'A');
    const matched = await searchMessages(candidates, key, {
      blobs,
      count: candidates.length,
      maxUid: 11,
      saved: new Set([11]),
      now: Date.now(),
    });
    return { matched: matched.map((candidate) => candidate.sequence), reads: reads.length };
  }

  it('decides from flags, sizes and the envelope without reading a body', async () => {
    assert.deepEqual(await run('SEEN SUBJECT first'), { matched: [1], reads: 0 });
    assert.deepEqual(await run('UNSEEN BODY fox'), { matched: [], reads: 1 });
    assert.deepEqual(await run('OR SEEN BODY dog'), { matched: [1, 2], reads: 1 });
    assert.deepEqual(await run('NOT (SEEN BODY fox)'), { matched: [2], reads: 1 });
    assert.deepEqual(await run('UID $ SMALLER 1'), { matched: [], reads: 0 });
  });

  it('reads the header for HEADER and TEXT, and the text parts once for several strings', async () => {
    assert.deepEqual(await run('HEADER X-Tag RED'), { matched: [1], reads: 2 });
    // Message 1: TEXT found in the header, the body read for BODY; message 2: the header, then one
    // pass over its text part for both strings.
    assert.deepEqual(await run('TEXT "x-tag: red" BODY quick'), { matched: [1], reads: 4 });
    assert.deepEqual(await run('BODY lazy BODY dog'), { matched: [2], reads: 2 });
  });

  it('reads text parts only: an image that holds the word does not match', async () => {
    assert.deepEqual(await run('BODY fox'), { matched: [1], reads: 2 });
    assert.deepEqual(await run('TEXT fox'), { matched: [1], reads: 4 });
  });
});
