/**
 * One folder = one journal file, folders/<folder>.tab, whose rows are the folder's history:
 *
 *   "P" uidvalidity "subscribed" "special-use"       folder properties (latest wins)
 *   "N" uidnext highestmodseq                        counters carried over by compaction
 *   "A" uid modseq "blob" size "internal-date" "flags" "" "" ["delivery-key"]
 *                                                    a message (the key when appended with one); its
 *                                                    MIME structure is beside its body (blob-
 *                                                    structures.ts). Rows written before it moved
 *                                                    there have "mime-json" "envelope-json" instead
 *                                                    of the empty fields, and keep them.
 *   "F" uid modseq "flags"                           new flags of a message
 *   "X" modseq "uid,uid,..."                         expunged messages
 *
 * Appending rows is the only write, so a change is one fsynced append under the account's mail
 * lock; compaction rewrites the file atomically once dead rows outnumber live ones.
 */
import type { MessageMeta, MessageStructure } from '../../core/model/index.js';
import type { Fold } from './journal.js';

/** A message as its folder keeps it: the structure only on rows of the old format. */
export type StoredMessage = Omit<MessageMeta, 'mime' | 'envelope'> & { structure?: MessageStructure };

export interface FolderState {
  uidValidity: number;
  subscribed: boolean;
  specialUse?: string;
  uidNext: number;
  highestModseq: number;
  messages: Map<number, StoredMessage>;
  /**
   * Delivery keys of the messages still here (MailStore.append): key -> UID and back. An expunged
   * message takes its key with it, and compaction writes keys only on live message rows.
   */
  deliveries: Map<string, number>;
  deliveryKeys: Map<number, string>;
  rows: number;
}

type Row = (string | number)[];

export const folderFold: Fold<FolderState> = {
  empty: () => ({
    uidValidity: 0,
    subscribed: false,
    uidNext: 1,
    highestModseq: 1,
    messages: new Map(),
    deliveries: new Map(),
    deliveryKeys: new Map(),
    rows: 0,
  }),
  apply(state, row) {
    state.rows++;
    switch (row[0]) {
      case 'P':
        state.uidValidity = Number(row[1]);
        state.subscribed = row[2] === '1';
        state.specialUse = row[3] ? row[3] : undefined;
        break;
      case 'N':
        state.uidNext = Math.max(state.uidNext, Number(row[1]));
        state.highestModseq = Math.max(state.highestModseq, Number(row[2]));
        break;
      case 'A': {
        const [, uid, modseq, blobId, size, internalDate, flags, mime, envelope, deliveryKey] = row;
        const meta: StoredMessage = {
          uid: Number(uid),
          modseq: Number(modseq),
          blobId,
          size: Number(size),
          internalDate: new Date(internalDate),
          flags: splitFlags(flags),
        };
        if (mime)
          meta.structure = { mime: JSON.parse(mime), envelope: JSON.parse(envelope) } as MessageStructure;
        state.messages.set(meta.uid, meta);
        if (deliveryKey) {
          state.deliveries.set(deliveryKey, meta.uid);
          state.deliveryKeys.set(meta.uid, deliveryKey);
        }
        state.uidNext = Math.max(state.uidNext, meta.uid + 1);
        state.highestModseq = Math.max(state.highestModseq, meta.modseq);
        break;
      }
      case 'F': {
        const meta = state.messages.get(Number(row[1]));
        const modseq = Number(row[2]);
        if (meta) state.messages.set(meta.uid, { ...meta, modseq, flags: splitFlags(row[3]) });
        state.highestModseq = Math.max(state.highestModseq, modseq);
        break;
      }
      case 'X':
        state.highestModseq = Math.max(state.highestModseq, Number(row[1]));
        for (const uid of row[2].split(',').map(Number)) {
          state.messages.delete(uid);
          const deliveryKey = state.deliveryKeys.get(uid);
          if (deliveryKey === undefined) continue;
          state.deliveryKeys.delete(uid);
          state.deliveries.delete(deliveryKey);
        }
        break;
    }
  },
};

function splitFlags(text: string): string[] {
  return text ? text.split(' ') : [];
}

export const folderRows = {
  props: (uidValidity: number, subscribed: boolean, specialUse?: string): Row => [
    'P',
    uidValidity,
    subscribed ? '1' : '0',
    specialUse ?? '',
  ],
  counters: (uidNext: number, highestModseq: number): Row => ['N', uidNext, highestModseq],
  message: (m: StoredMessage, deliveryKey?: string): Row => [
    'A',
    m.uid,
    m.modseq,
    m.blobId,
    m.size,
    m.internalDate.toISOString(),
    m.flags.join(' '),
    m.structure ? JSON.stringify(m.structure.mime) : '',
    m.structure ? JSON.stringify(m.structure.envelope) : '',
    ...(deliveryKey ? [deliveryKey] : []),
  ],
  flags: (uid: number, modseq: number, flags: string[]): Row => ['F', uid, modseq, flags.join(' ')],
  expunge: (modseq: number, uids: number[]): Row => ['X', modseq, uids.join(',')],

  /** A new, empty folder. */
  initial: (uidValidity: number, specialUse?: string): Row[] => [
    folderRows.props(uidValidity, false, specialUse),
    folderRows.counters(1, 1),
  ],

  /** The folder as it stands, in as few rows as possible. */
  compacted: (s: FolderState): Row[] => [
    folderRows.props(s.uidValidity, s.subscribed, s.specialUse),
    folderRows.counters(s.uidNext, s.highestModseq),
    ...[...s.messages.values()].map((m) => folderRows.message(m, s.deliveryKeys.get(m.uid))),
  ],
};

export function needsCompaction(s: FolderState): boolean {
  return s.rows > 2 * s.messages.size + 500;
}
