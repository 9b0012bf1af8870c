import type { MessageMeta } from '../../../core/index.js';
import {
  ImapParseError,
  messageNumbers,
  messageUids,
  sequenceSetOf,
  type ImapCommand,
} from '../protocol/index.js';
import type { ImapSession } from '../session/session.js';

/** A message a command acts on, as the client numbers it and as the store names it. */
export interface Target {
  readonly sequence: number;
  readonly uid: number;
}

/**
 * The selected folder's messages the sequence set at `index` names: UIDs for `UID` commands,
 * message numbers otherwise. A message number beyond the client's count is a BAD (RFC 9051 §6.4;
 * RFC 3501 leaves it open), a UID that does not exist simply names nothing.
 */
export function targetsOf(command: ImapCommand, index: number, session: ImapSession): Target[] {
  const folder = session.selected!;
  const set = sequenceSetOf(command.args[index], command.tag);
  const uids = folder.uidList;
  if (command.uid) {
    return messageUids(set, uids, folder.savedSearch).map((uid) => ({
      uid,
      sequence: folder.sequenceOf(uid),
    }));
  }
  if (set.kind === 'ranges') {
    for (const range of set.ranges) {
      for (const end of [range.from, range.to]) {
        if (end !== '*' && end > uids.length) {
          throw new ImapParseError(command.tag, `Invalid message number ${end} (${uids.length} messages)`);
        }
      }
    }
  }
  // `$` (RFC 5182): the saved UIDs, by the numbers they have now.
  const saved = set.kind === 'saved' ? folder.savedSearch.map((uid) => folder.sequenceOf(uid)) : [];
  return messageNumbers(set, uids.length, saved).map((sequence) => ({ sequence, uid: uids[sequence - 1] }));
}

/** The stored messages of the targets, by UID (those expunged elsewhere are missing). */
export async function messagesOf(
  session: ImapSession,
  targets: readonly Target[],
): Promise<Map<number, MessageMeta>> {
  const folder = session.selected!;
  if (targets.length === 0) return new Map();
  const from = targets[0].uid;
  const to = targets[targets.length - 1].uid;
  const listed = await session.services.storage.mail.listMessages(folder.account, folder.path, { from, to });
  const wanted = new Set(targets.map((target) => target.uid));
  return new Map(
    listed.filter((message) => wanted.has(message.uid)).map((message) => [message.uid, message]),
  );
}

/** UIDs as a compact sequence set: `4,7:9`. */
export function uidSet(uids: readonly number[]): string {
  const sorted = [...uids].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}:${sorted[j]}`);
    i = j;
  }
  return parts.join(',');
}
