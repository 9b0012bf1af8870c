/**
 * Running a search on the selected folder: the messages the client knows (by sequence number),
 * read from the store once per command, and the context their keys resolve against.
 */
import type { ImapSession } from '../session/session.js';
import type { SearchKey } from './criteria.js';
import { searchMessages, type SearchCandidate, type SearchContext } from './evaluate.js';

/**
 * The messages of the selected folder as the client numbers them, ascending. Messages expunged
 * elsewhere and not announced yet are left out (there is nothing left to judge), and so are those
 * that arrived since the last announcement (the client has no number for them yet).
 */
export async function knownMessages(session: ImapSession): Promise<SearchCandidate[]> {
  const folder = session.selected!;
  const uids = folder.uidList;
  if (uids.length === 0) return [];
  const listed = await session.services.storage.mail.listMessages(folder.account, folder.path, {
    from: uids[0],
    to: uids[uids.length - 1],
  });
  const byUid = new Map(listed.map((message) => [message.uid, message]));
  const candidates: SearchCandidate[] = [];
  uids.forEach((uid, index) => {
    const message = byUid.get(uid);
    if (message) candidates.push({ sequence: index + 1, uid, message });
  });
  return candidates;
}

/** The selected folder's messages `key` matches, in mailbox order. */
export async function searchSelected(session: ImapSession, key: SearchKey): Promise<SearchCandidate[]> {
  const folder = session.selected!;
  const uids = folder.uidList;
  const context: SearchContext = {
    blobs: session.services.storage.blobs,
    count: uids.length,
    maxUid: uids.length > 0 ? uids[uids.length - 1] : 0,
    saved: new Set(folder.savedSearch),
    now: Date.now(),
  };
  return searchMessages(await knownMessages(session), key, context);
}
