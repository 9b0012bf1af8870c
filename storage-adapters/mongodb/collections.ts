import type { Binary, Collection, Db, ObjectId } from 'mongodb';
import type { AccountKey, Envelope, MimeNode } from '../../core/model/index.js';

/**
 * The document shapes of every collection. Names compared case-insensitively (account names, list
 * member addresses, route local parts, admin names) are stored a second time lower-cased (`*Lower`)
 * so a unique index on that field enforces the case-insensitive uniqueness the ports promise.
 */

export interface DomainDoc {
  _id: string;
  createdAt: Date;
  /** Set while deleteDomain runs: readers no longer see the domain, addAccount refuses it. */
  deleting?: boolean;
}

export interface AliasDomainDoc {
  _id: string;
  domain: string;
  seq: number;
}

/**
 * An account, one document. `_id` is `domain/namelower` (accounts-lookup.ts): the lookup by
 * address is an `_id` equality, the one filter FerretDB 1.x on SQLite passes to SQL; a domain is a
 * range of it, a name pattern an anchored regex over it. All else the account holds is one JSON
 * string, `data`: FerretDB 1.x decodes every document of the collection for a listing or a count,
 * and even for an `_id` lookup SQLite parses every document (FerretDB's query does not match the
 * expression of its `_id` index), at a cost that grows with the fields. 100,000 structured
 * accounts took ~15 s per count and ~0.3 s per lookup; these take ~3 s and ~0.05 s.
 */
export interface AccountDoc {
  _id: string;
  /** The port's `seq`: listings page in this order. */
  seq: number;
  /** JSON of StoredAccountData (accounts-lookup.ts). */
  data: string;
  /** JSON of the LoginRecord, a field of its own so that a login never rewrites `data`. */
  lastLogin?: string;
  /** Set when removal begins (lifecycle.ts): from then on the account is invisible. */
  deletingSince?: Date;
}

export interface MemberDoc {
  accountId: ObjectId;
  address: string;
  addressLower: string;
  perms: string;
  seq: number;
}

export interface RouteDoc {
  domain: string;
  local: string;
  localLower: string;
  target: AccountKey;
  /** target.name lower-cased, so routes to an account are found whatever case they were given in. */
  targetNameLower: string;
  redirect?: string;
  accountAsGiven?: string;
  origin: 'alias' | 'username';
  seq: number;
}

export interface ExternalAliasDoc {
  remoteDomain: string;
  remoteName: string;
  remoteNameLower: string;
  local: AccountKey;
  seq: number;
}

export interface Pop3LinkDoc {
  localDomain: string;
  localName: string;
  localNameLower: string;
  remoteDomain: string;
  remoteUser: string;
  remoteSecret: string;
  auth: 'CLR' | 'APOP';
  tls: boolean;
  enabled: boolean;
  seq: number;
  seenUidls: string[];
}

export interface AdminDoc {
  _id: string;
  name: string;
  secret: string;
  privileges: string[];
  createdAt: Date;
}

export interface BlobDoc {
  _id: string;
  size: number;
  /** False until every chunk is written; an incomplete blob is never handed out. */
  complete: boolean;
  createdAt: Date;
}

/**
 * One reference to a blob, a document of its own: FerretDB 1.x has no atomic `$inc` (see
 * claims.ts), while inserting and deleting single documents are atomic everywhere.
 */
export interface BlobRefDoc {
  _id: string;
  blobId: string;
}

/**
 * The MIME structure of a body, once for every message stored from it (blob-structures.ts), as a
 * JSON string: FerretDB 1.x would decode a nested tree field by field on every scan.
 */
export interface BlobStructureDoc {
  /** The blob id. */
  _id: string;
  json: string;
}

export interface BlobChunkDoc {
  blobId: string;
  n: number;
  data: Binary;
}

export interface FolderDoc {
  _id: ObjectId;
  accountId: ObjectId;
  path: string;
  uidValidity: number;
  uidNext: number;
  highestModseq: number;
  subscribed: boolean;
  specialUse?: string;
}

export interface MessageDoc {
  /** `<folder id>/<delivery key>` for a message appended with a delivery key (mail-store.ts append). */
  _id?: ObjectId | string;
  accountId: ObjectId;
  folderId: ObjectId;
  uid: number;
  modseq: number;
  flags: string[];
  blobId: string;
  size: number;
  internalDate: Date;
  /** Only on messages stored before structures moved beside the body (BlobStructureDoc). */
  mime?: MimeNode;
  envelope?: Envelope;
}

export interface FileDoc {
  _id: string;
  dir: string;
  content: Binary;
  size: number;
}

export interface EventDoc {
  _id: string;
  seq: number;
  log: string;
  logLower: string;
  time: Date;
  type: string;
  text: string;
  params: Record<string, string>;
}

/** A sequence's last value: a hint for claimNext (claims.ts), which makes the values unique. */
export interface CounterDoc {
  _id: string;
  value: number;
}

/** One number taken in a scope (claims.ts). */
export interface ClaimDoc {
  _id: string;
  scope: string;
  n: number;
}

export interface Collections {
  domains: Collection<DomainDoc>;
  aliasDomains: Collection<AliasDomainDoc>;
  accounts: Collection<AccountDoc>;
  members: Collection<MemberDoc>;
  routes: Collection<RouteDoc>;
  externalAliases: Collection<ExternalAliasDoc>;
  pop3Links: Collection<Pop3LinkDoc>;
  admins: Collection<AdminDoc>;
  blobs: Collection<BlobDoc>;
  blobRefs: Collection<BlobRefDoc>;
  blobChunks: Collection<BlobChunkDoc>;
  blobStructures: Collection<BlobStructureDoc>;
  folders: Collection<FolderDoc>;
  messages: Collection<MessageDoc>;
  files: Collection<FileDoc>;
  events: Collection<EventDoc>;
  counters: Collection<CounterDoc>;
  claims: Collection<ClaimDoc>;
}

export function collections(db: Db): Collections {
  return {
    domains: db.collection('domains'),
    aliasDomains: db.collection('aliasDomains'),
    accounts: db.collection('accounts'),
    members: db.collection('members'),
    routes: db.collection('routes'),
    externalAliases: db.collection('externalAliases'),
    pop3Links: db.collection('pop3Links'),
    admins: db.collection('admins'),
    blobs: db.collection('blobs'),
    blobRefs: db.collection('blobRefs'),
    blobChunks: db.collection('blobChunks'),
    blobStructures: db.collection('blobStructures'),
    folders: db.collection('folders'),
    messages: db.collection('messages'),
    files: db.collection('files'),
    events: db.collection('events'),
    counters: db.collection('counters'),
    claims: db.collection('claims'),
  };
}
