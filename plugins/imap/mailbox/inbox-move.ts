import type { AccountKey, MailStore } from '../../../core/index.js';

/** Messages moved per copy + expunge round: at most what a crash may leave in both folders. */
export const INBOX_MOVE_BATCH = 500;

/**
 * RENAME INBOX (RFC 3501 §6.3.5): every message in INBOX now moves to the folder `to`, which
 * exists and INBOX stays. The store has no "move all", so each batch is copied first (new blob
 * references), then marked `\Deleted` and expunged by UID (the references are released): a crash
 * in between leaves a message in both folders, marked `\Deleted` in INBOX, never in neither.
 * Messages delivered while this runs stay in INBOX. Resolves the number of messages moved.
 */
export async function moveInboxMessages(
  store: MailStore,
  account: AccountKey,
  to: string,
  batchSize = INBOX_MOVE_BATCH,
): Promise<number> {
  const uids = (await store.listMessages(account, 'INBOX')).map((message) => message.uid);
  let moved = 0;
  for (let start = 0; start < uids.length; start += batchSize) {
    const batch = uids.slice(start, start + batchSize);
    // Expunged meanwhile elsewhere: not copied, nothing to remove.
    const copied = (await store.copyMessages(account, 'INBOX', batch, to)).map(([uid]) => uid);
    if (copied.length === 0) continue;
    await store.updateFlags(account, 'INBOX', { uids: copied, operation: 'add', flags: ['\\Deleted'] });
    moved += (await store.expunge(account, 'INBOX', copied)).length;
  }
  return moved;
}
