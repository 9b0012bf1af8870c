import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AccountKey } from '../model/directory.js';
import type { MessageMeta } from '../model/mailbox.js';
import type { Envelope, MimeNode } from '../model/mime.js';
import type { TraceFields } from '../mime/header-fields.js';
import { MimeStructureStream } from '../mime/structure-stream.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { Storage } from '../ports/storage.js';

/** A body on stable storage with what the MIME analysis found; the caller owns its one reference. */
export interface StoredBody {
  blobId: string;
  size: number;
  mime: MimeNode;
  envelope: Envelope;
  trace: TraceFields;
}

/**
 * Streams a message body into the blob store through the MIME analysis, so the structure is known
 * without a second read and the body is never held whole in memory. Resolves once the body is on
 * stable storage.
 */
export async function storeMessageBody(
  blobs: BlobStore,
  body: Buffer | Readable | AsyncIterable<Buffer>,
): Promise<StoredBody> {
  const analyser = new MimeStructureStream();
  const source = Buffer.isBuffer(body) ? Readable.from([body]) : Readable.from(body);
  const stored = blobs.putBlob(analyser).catch((err: unknown) => {
    // A store that gives up stops reading: end the pipeline too, or the sender would stall.
    analyser.destroy(err instanceof Error ? err : new Error(String(err)));
    throw err;
  });
  const [blob] = await Promise.all([stored, pipeline(source, analyser)]);
  const { mime, envelope, trace } = await analyser.result;
  return { blobId: blob.id, size: blob.size, mime, envelope, trace };
}

/**
 * Stores a whole message straight into a folder (an import, a message put there by an admin tool,
 * IMAP APPEND): the body is stored once, its MIME structure read, and the one reference putBlob
 * gives goes to the message. @throws NotFoundError when the folder does not exist (nothing is kept)
 */
export async function appendToFolder(
  storage: Storage,
  account: AccountKey,
  folder: string,
  body: Buffer | Readable | AsyncIterable<Buffer>,
  opts: { flags?: string[]; internalDate?: Date } = {},
): Promise<MessageMeta> {
  return appendStoredBody(storage, account, folder, await storeMessageBody(storage.blobs, body), opts);
}

/** Appends a body storeMessageBody stored; its reference goes to the message, or is released on failure. */
export async function appendStoredBody(
  storage: Storage,
  account: AccountKey,
  folder: string,
  body: StoredBody,
  opts: { flags?: string[]; internalDate?: Date } = {},
): Promise<MessageMeta> {
  try {
    return await storage.mail.append(
      account,
      folder,
      {
        blobId: body.blobId,
        size: body.size,
        internalDate: opts.internalDate ?? new Date(),
        flags: opts.flags ?? [],
        mime: body.mime,
        envelope: body.envelope,
      },
      { adoptReference: true },
    );
  } catch (err) {
    await storage.blobs.releaseBlob(body.blobId);
    throw err;
  }
}
