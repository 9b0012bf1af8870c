/**
 * Contract section: MailStore.append with a delivery key (the queue's at-most-once local delivery
 * across a worker crash). Called from describeStorageContract; gets a fresh storage of its own.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import type { AccountKey, MessageMeta, NewMessage } from '../../core/model/index.js';
import type { Storage } from '../../core/ports/index.js';
import { newMessage } from '../helpers/messages.js';
import type { OpenStorage } from './storage-contract.js';

const alice: AccountKey = { domain: 'idem.test', name: 'alice' };

export function describeIdempotentAppend(open: OpenStorage): void {
  describe('mail: append with a delivery key', () => {
    let s: Storage;
    let cleanup: () => Promise<void>;
    before(async () => {
      ({ storage: s, cleanup } = await open());
      await s.open();
      await s.domains.addDomain(alice.domain);
      await s.accounts.addAccount({ ...alice, kind: 'user', credential: { scheme: 'none' }, vars: [] });
      await s.mail.createFolder(alice, 'Archive');
    });
    after(async () => {
      await s.close();
      await cleanup();
    });

    /** A fresh body whose caller reference the test drops itself (as the queue does at the end). */
    async function newBody(text: string): Promise<NewMessage> {
      const blob = await s.blobs.putBlob(Readable.from([Buffer.from(text)]));
      return newMessage(blob, {
        internalDate: new Date('2026-03-04T05:06:07.000Z'),
        envelope: { subject: text.slice(9, 20) },
      });
    }

    /** Expunges the folder's messages with this body. */
    async function expungeBody(folder: string, blobId: string): Promise<void> {
      const uids = (await s.mail.listMessages(alice, folder))
        .filter((m) => m.blobId === blobId)
        .map((m) => m.uid);
      await s.mail.updateFlags(alice, folder, { uids, operation: 'add', flags: ['\\Deleted'] });
      assert.deepEqual(await s.mail.expunge(alice, folder, uids), uids);
    }

    /** After the last message with this body is expunged: no reference may be left. */
    async function expungeAndExpectGone(folder: string, blobId: string): Promise<void> {
      await expungeBody(folder, blobId);
      assert.equal(await s.blobs.statBlob(blobId), null, 'every reference the appends took was released');
    }

    const plain = (meta: MessageMeta): unknown => JSON.parse(JSON.stringify(meta));

    it('appends once for the same key and resolves the same meta', async () => {
      const message = await newBody('Subject: once\r\n\r\nbody\r\n');
      const before = await s.mail.getFolder(alice, 'INBOX');
      const first = await s.mail.append(alice, 'INBOX', message, { deliveryKey: 'q1/a@x#0:store' });
      const again = await s.mail.append(alice, 'INBOX', message, { deliveryKey: 'q1/a@x#0:store' });
      assert.deepEqual(plain(again), plain(first));
      const folder = await s.mail.getFolder(alice, 'INBOX');
      assert.equal(folder?.messages, (before?.messages ?? 0) + 1);
      assert.equal(folder?.uidNext, first.uid + 1, 'the repeat took no UID');
      assert.equal(folder?.highestModseq, first.modseq, 'the repeat changed nothing');

      // The repeat reports the message as it is now, flags included.
      const { updated } = await s.mail.updateFlags(alice, 'INBOX', {
        uids: [first.uid],
        operation: 'add',
        flags: ['\\Seen'],
      });
      const later = await s.mail.append(alice, 'INBOX', message, { deliveryKey: 'q1/a@x#0:store' });
      assert.equal(later.uid, first.uid);
      assert.deepEqual(later.flags, ['\\Seen']);
      assert.equal(later.modseq, updated[0].modseq);

      await s.blobs.releaseBlob(message.blobId);
      assert.ok(await s.blobs.statBlob(message.blobId), 'the message holds its one reference');
      await expungeAndExpectGone('INBOX', message.blobId);
    });

    it('hands the caller reference over to the message with adoptReference, once', async () => {
      const message = await newBody('Subject: adopt\r\n\r\nbody\r\n');
      const opts = { deliveryKey: 'q9/adopt', adoptReference: true };
      const first = await s.mail.append(alice, 'INBOX', message, opts);
      const again = await s.mail.append(alice, 'INBOX', message, opts);
      assert.equal(again.uid, first.uid);
      await Promise.all([1, 2, 3].map(() => s.mail.append(alice, 'INBOX', message, opts)));
      assert.ok(await s.blobs.statBlob(message.blobId), 'the message holds the reference it was given');
      // No release by the caller: its reference is the message's now, and the only one.
      await expungeAndExpectGone('INBOX', message.blobId);
    });

    it('appends once when callers race with the same key', async () => {
      const message = await newBody('Subject: race\r\n\r\nbody\r\n');
      const other = await newBody('Subject: other\r\n\r\nbody\r\n');
      const results = await Promise.all([
        ...Array.from({ length: 6 }, () =>
          s.mail.append(alice, 'INBOX', message, { deliveryKey: 'q2/race' }),
        ),
        s.mail.append(alice, 'INBOX', other, { deliveryKey: 'q2/other' }),
        s.mail.append(alice, 'INBOX', other),
      ]);
      const raced = results.slice(0, 6);
      assert.equal(new Set(raced.map((m) => m.uid)).size, 1, 'one UID for every caller');
      for (const meta of raced) assert.deepEqual(plain(meta), plain(raced[0]));
      const stored = await s.mail.listMessages(alice, 'INBOX');
      assert.equal(stored.filter((m) => m.blobId === message.blobId).length, 1);
      assert.equal(
        stored.filter((m) => m.blobId === other.blobId).length,
        2,
        'other keys and no key unaffected',
      );

      await s.blobs.releaseBlob(message.blobId);
      await s.blobs.releaseBlob(other.blobId);
      await expungeAndExpectGone('INBOX', message.blobId);
      await expungeAndExpectGone('INBOX', other.blobId);
    });

    it('keeps keys per folder, not carried by copies', async () => {
      const message = await newBody('Subject: folders\r\n\r\nbody\r\n');
      const inbox = await s.mail.append(alice, 'INBOX', message, { deliveryKey: 'q3/k' });
      const archived = await s.mail.append(alice, 'Archive', message, { deliveryKey: 'q3/k' });
      assert.equal(archived.uid, (await s.mail.listMessages(alice, 'Archive')).at(-1)?.uid);
      await s.mail.copyMessages(alice, 'INBOX', [inbox.uid], 'Archive');
      const archivedAgain = await s.mail.append(alice, 'Archive', message, { deliveryKey: 'q3/k' });
      assert.equal(archivedAgain.uid, archived.uid, 'the copy did not take the key over');
      assert.equal((await s.mail.getFolder(alice, 'Archive'))?.messages, 2, 'the keyed one and the copy');
      assert.equal((await s.mail.append(alice, 'INBOX', message, { deliveryKey: 'q3/k' })).uid, inbox.uid);

      await s.blobs.releaseBlob(message.blobId);
      await expungeBody('Archive', message.blobId);
      assert.ok(await s.blobs.statBlob(message.blobId), 'the INBOX message still holds a reference');
      await expungeAndExpectGone('INBOX', message.blobId);
    });

    it('forgets the key with the message: an expunged delivery can be made again', async () => {
      const message = await newBody('Subject: forget\r\n\r\nbody\r\n');
      const first = await s.mail.append(alice, 'INBOX', message, { deliveryKey: 'q4/k' });
      await s.mail.updateFlags(alice, 'INBOX', { uids: [first.uid], operation: 'add', flags: ['\\Deleted'] });
      await s.mail.expunge(alice, 'INBOX', [first.uid]);
      const second = await s.mail.append(alice, 'INBOX', message, { deliveryKey: 'q4/k' });
      assert.ok(second.uid > first.uid);
      assert.equal((await s.mail.append(alice, 'INBOX', message, { deliveryKey: 'q4/k' })).uid, second.uid);
      await s.blobs.releaseBlob(message.blobId);
      await expungeAndExpectGone('INBOX', message.blobId);
    });

    it('keeps keys through many later changes of the folder', async () => {
      // Enough changes that the file adapter compacts its folder journal in between.
      const message = await newBody('Subject: kept\r\n\r\nbody\r\n');
      const first = await s.mail.append(alice, 'INBOX', message, { deliveryKey: 'q5/k' });
      for (let i = 0; i < 520; i++) {
        await s.mail.updateFlags(alice, 'INBOX', {
          uids: [first.uid],
          operation: i % 2 === 0 ? 'add' : 'remove',
          flags: ['\\Flagged'],
        });
      }
      assert.equal((await s.mail.append(alice, 'INBOX', message, { deliveryKey: 'q5/k' })).uid, first.uid);
      await s.blobs.releaseBlob(message.blobId);
      await expungeAndExpectGone('INBOX', message.blobId);
    });
  });
}
