import type { AccountKey } from './directory.js';
import type { Envelope, MimeNode } from './mime.js';

/** IMAP system flags; keywords are kept apart. */
export type SystemFlag = '\\Seen' | '\\Answered' | '\\Flagged' | '\\Deleted' | '\\Draft';
export const SYSTEM_FLAGS: readonly SystemFlag[] = [
  '\\Seen',
  '\\Answered',
  '\\Flagged',
  '\\Deleted',
  '\\Draft',
];

/** A folder of an account. `uidNext` and `highestModseq` only grow. */
export interface Folder {
  account: AccountKey;
  path: string;
  uidValidity: number;
  uidNext: number;
  highestModseq: number;
  subscribed: boolean;
  specialUse?: string;
  messages: number;
  unseen: number;
  bytes: number;
}

/** What a caller hands to MailStore.append: the body is already in the BlobStore. */
export interface NewMessage {
  blobId: string;
  /** Size of the stored body in octets (CRLF line endings). */
  size: number;
  internalDate: Date;
  flags: string[];
  mime: MimeNode;
  envelope: Envelope;
}

/** One message in one folder. */
export interface MessageMeta extends NewMessage {
  uid: number;
  modseq: number;
}

export type FlagOperation = 'add' | 'remove' | 'set';

/** Per-account usage (quota accounting, XMail userstat). */
export interface MailboxUsage {
  bytes: number;
  messages: number;
}
