/**
 * Contract section: a body's MIME structure is kept once, however many messages are stored from it
 * (delivery to N mailboxes, copies), goes when the body goes, and is capped per part
 * (core/model/mime-limits.ts). The "once" is measured with the adapter's `storedBytes`; without
 * one that test is skipped. Called from describeStorageContract; gets a fresh storage of its own.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import {
  MAX_PARAMS,
  MAX_VALUE_LENGTH,
  type AccountKey,
  type Envelope,
  type MimeNode,
} from '../../core/model/index.js';
import type { Storage } from '../../core/ports/index.js';
import { newMessage } from '../helpers/messages.js';
import type { OpenStorage } from './storage-contract.js';

const DOMAIN = 'structure.test';
const owners: AccountKey[] = ['alice', 'bob', 'carol', 'dave'].map((name) => ({ domain: DOMAIN, name }));

/** A multipart of 20 parts with 40 parameters of 1,000 characters each: about 800 KB of structure. */
function bigStructure(size: number): { mime: MimeNode; envelope: Envelope } {
  const params = (part: number): Record<string, string> =>
    Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`p${i}`, `${part}:${i}:`.padEnd(1000, 'v')]));
  const children: MimeNode[] = Array.from({ length: 20 }, (_, i) => ({
    part: `${i + 1}`,
    contentType: 'application/octet-stream',
    params: params(i + 1),
    headerStart: 0,
    bodyStart: 0,
    end: size,
    lines: 1,
  }));
  return {
    mime: {
      part: '',
      contentType: 'multipart/mixed',
      params: { boundary: 'b' },
      headerStart: 0,
      bodyStart: 0,
      end: size,
      lines: 1,
      children,
    },
    envelope: { subject: 'big structure', from: 'a@b.test' },
  };
}

const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

export function describeMessageStructures(open: OpenStorage): void {
  describe('mail: MIME structures', () => {
    let s: Storage;
    let cleanup: () => Promise<void>;
    let storedBytes: (() => Promise<number>) | undefined;
    before(async () => {
      ({ storage: s, cleanup, storedBytes } = await open());
      await s.open();
      await s.domains.addDomain(DOMAIN);
      for (const owner of owners)
        await s.accounts.addAccount({ ...owner, kind: 'user', credential: { scheme: 'none' }, vars: [] });
      await s.mail.createFolder(owners[0], 'Archive');
    });
    after(async () => {
      await s.close();
      await cleanup();
    });

    it('keeps a body’s structure once for all its messages, and drops it with the body', async (t) => {
      if (!storedBytes) return t.skip('the adapter gives no storedBytes');
      const text = 'Subject: big structure\r\n\r\nbody\r\n';
      const blob = await s.blobs.putBlob(Readable.from([Buffer.from(text)]));
      const structure = bigStructure(blob.size);
      const structureBytes = JSON.stringify(structure).length;
      const message = newMessage(blob, structure);

      const start = await storedBytes();
      await s.mail.append(owners[0], 'INBOX', message);
      const first = (await storedBytes()) - start;
      assert.ok(first >= structureBytes / 2, `the first message stores the structure (${first} bytes)`);

      const start2 = await storedBytes();
      for (const owner of owners.slice(1)) await s.mail.append(owner, 'INBOX', message);
      await s.mail.copyMessages(owners[0], 'INBOX', [1], 'Archive');
      const more = (await storedBytes()) - start2;
      assert.ok(
        more < structureBytes / 4,
        `four more deliveries and a copy of the same body store ${more} bytes, not the ${structureBytes}-byte structure again`,
      );
      for (const owner of owners) {
        const [listed] = await s.mail.listMessages(owner, 'INBOX');
        assert.deepEqual(plain({ mime: listed.mime, envelope: listed.envelope }), plain(structure));
      }
      const [copied] = await s.mail.listMessages(owners[0], 'Archive');
      assert.deepEqual(plain(copied.mime), plain(structure.mime));

      await s.blobs.releaseBlob(blob.id);
      for (const [owner, folder] of [
        ...owners.map((o) => [o, 'INBOX'] as const),
        [owners[0], 'Archive'] as const,
      ]) {
        const uids = (await s.mail.listMessages(owner, folder)).map((m) => m.uid);
        await s.mail.updateFlags(owner, folder, { uids, operation: 'add', flags: ['\\Deleted'] });
        await s.mail.expunge(owner, folder, uids);
      }
      assert.equal(await s.blobs.statBlob(blob.id), null);
      const left = (await storedBytes()) - start;
      assert.ok(left < structureBytes / 4, `the structure went with the body (${left} bytes left)`);
    });

    it('caps what a part keeps: parameters, their values, fields and the envelope', async () => {
      const blob = await s.blobs.putBlob(Readable.from([Buffer.from('Subject: caps\r\n\r\nbody\r\n')]));
      const huge = 'x'.repeat(1024 * 1024);
      const many = Object.fromEntries(Array.from({ length: MAX_PARAMS + 50 }, (_, i) => [`p${i}`, 'v']));
      const mime: MimeNode = {
        part: '',
        contentType: 'application/octet-stream',
        params: { name: huge, ...many },
        disposition: { type: 'attachment', params: { filename: huge } },
        description: huge,
        headerStart: 0,
        bodyStart: 0,
        end: blob.size,
        lines: 1,
      };
      const appended = await s.mail.append(
        owners[1],
        'INBOX',
        newMessage(blob, { mime, envelope: { subject: huge } }),
      );
      await s.blobs.releaseBlob(blob.id);
      const listed = (await s.mail.listMessages(owners[1], 'INBOX')).find((m) => m.blobId === blob.id);
      assert.ok(listed);
      for (const meta of [appended, listed]) {
        assert.equal(meta.mime.params.name, huge.slice(0, MAX_VALUE_LENGTH), 'an oversized parameter is cut');
        assert.equal(Object.keys(meta.mime.params).length, MAX_PARAMS, 'at most MAX_PARAMS parameters');
        assert.equal(meta.mime.disposition?.params.filename.length, MAX_VALUE_LENGTH);
        assert.equal(meta.mime.description?.length, MAX_VALUE_LENGTH);
        assert.equal(meta.envelope.subject?.length, MAX_VALUE_LENGTH);
      }
    });
  });
}
