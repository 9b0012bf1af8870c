/**
 * The STATUS data items (RFC 3501 §6.3.10, SIZE from RFC 8438, APPENDLIMIT from RFC 7889), shared
 * by STATUS and LIST's RETURN (STATUS (...)) (RFC 5819). \Recent is not kept, so RECENT is 0.
 * HIGHESTMODSEQ belongs to CONDSTORE, which is not offered yet: it is refused like any unknown item.
 */
import type { Folder } from '../../../core/index.js';
import { atom, describeArg, ImapParseError, type ImapArg, type ResponseValue } from '../protocol/index.js';
import type { ImapSession } from '../session/session.js';

const ITEMS = ['MESSAGES', 'RECENT', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN', 'SIZE', 'APPENDLIMIT'] as const;
export type StatusItem = (typeof ITEMS)[number];

/** The items of a status list, upper-cased, each once, in the client's order; BAD when empty or unknown. */
export function statusItems(items: readonly ImapArg[], tag: string): StatusItem[] {
  if (items.length === 0) throw new ImapParseError(tag, 'Empty status list');
  const wanted = new Set<StatusItem>();
  for (const item of items) {
    const name = item.type === 'atom' ? item.value.toUpperCase() : undefined;
    const known = ITEMS.find((candidate) => candidate === name);
    if (!known) throw new ImapParseError(tag, `Invalid status item ${describeArg(item)}`);
    wanted.add(known);
  }
  return [...wanted];
}

/** `MESSAGES 3 UIDNEXT 7 ...` as the list a STATUS response carries. */
export function statusValues(
  folder: Folder,
  items: readonly StatusItem[],
  session: ImapSession,
): ResponseValue[] {
  return items.flatMap((item) => [atom(item), statusValue(folder, item, session)]);
}

function statusValue(folder: Folder, item: StatusItem, session: ImapSession): number {
  switch (item) {
    case 'MESSAGES':
      return folder.messages;
    case 'RECENT':
      return 0;
    case 'UIDNEXT':
      return folder.uidNext;
    case 'UIDVALIDITY':
      return folder.uidValidity;
    case 'UNSEEN':
      return folder.unseen;
    case 'SIZE':
      return folder.bytes;
    case 'APPENDLIMIT':
      return session.services.config.maxAppendBytes;
  }
}
