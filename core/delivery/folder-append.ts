import { Readable } from 'node:stream';
import type { AccountKey } from '../model/directory.js';
import type { MessageMeta } from '../model/mailbox.js';
import type { Storage } from '../ports/storage.js';
import { MimeStructureScanner } from '../mime/structure-stream.js';

/**
 * Stores a whole message straight into a folder (an import, a message put there by an admin tool,
 * IMAP APPEND): the body is stored once, its MIME structure read, and the one reference putBlob
 * gives goes to the message. @throws NotFoundError when the folder does not exist (nothing is kept)
 */
export async function appendToFolder(
  storage: Storage,
  account: AccountKey,
  folder: string,
  body: Buffer,
  opts: { flags?: string[]; internalDate?: Date } = {},
): Promise<MessageMeta> {
  const blob = await storage.blobs.putBlob(Readable.from([body]));
  try {
    const scanner = new MimeStructureScanner();
    scanner.write(body);
    const { mime, envelope } = scanner.finish();
    return await storage.mail.append(
      account,
      folder,
      {
        blobId: blob.id,
        size: blob.size,
        internalDate: opts.internalDate ?? new Date(),
        flags: opts.flags ?? [],
        mime,
        envelope,
      },
      { adoptReference: true },
    );
  } catch (err) {
    await storage.blobs.releaseBlob(blob.id);
    throw err;
  }
}
