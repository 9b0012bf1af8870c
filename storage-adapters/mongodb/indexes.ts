import { MongoServerError, type Collection, type Document, type IndexDescription } from 'mongodb';
import type { Collections } from './collections.js';

/**
 * Every index of the adapter, in one place (as WildDuck keeps them). Each lookup the stores make is
 * served by one of these; the comment says which. Unique indexes are what make inserts atomic
 * claims on a name.
 */
export const INDEXES: { [K in keyof Collections]?: IndexDescription[] } = {
  aliasDomains: [
    // listAliasDomains (insertion order); deleteDomain finds aliases pointing at a domain.
    { key: { seq: 1 }, name: 'seq' },
    { key: { domain: 1 }, name: 'domain' },
  ],
  accounts: [
    // getAccount and every lookup by address go through _id (`domain/namelower`, accounts-lookup.ts),
    // which also makes the name unique case-insensitively; listings filter by a range or an
    // anchored regex on it (a domain, a name prefix) and page in seq order.
    { key: { seq: 1 }, name: 'seq' },
  ],
  members: [
    // listMembers in insertion order; one membership per address, case-insensitively.
    { key: { accountId: 1, seq: 1 }, name: 'account_seq' },
    { key: { accountId: 1, addressLower: 1 }, name: 'account_address', unique: true },
  ],
  routes: [
    // routesForDomain in insertion order; one route per (domain, local), case-insensitively.
    { key: { domain: 1, seq: 1 }, name: 'domain_seq' },
    { key: { domain: 1, localLower: 1 }, name: 'domain_local', unique: true },
    { key: { seq: 1 }, name: 'seq' },
    // Routes to an account go with it.
    { key: { 'target.domain': 1, targetNameLower: 1 }, name: 'target' },
  ],
  externalAliases: [
    { key: { remoteDomain: 1, remoteNameLower: 1 }, name: 'remote', unique: true },
    { key: { seq: 1 }, name: 'seq' },
    { key: { 'local.domain': 1 }, name: 'local_domain' },
  ],
  pop3Links: [
    {
      key: { localDomain: 1, localNameLower: 1, remoteDomain: 1, remoteUser: 1 },
      name: 'link',
      unique: true,
    },
    { key: { seq: 1 }, name: 'seq' },
  ],
  claims: [
    // highestClaim: the top number of a scope (a folder's UIDs or MODSEQs, a sequence).
    { key: { scope: 1, n: -1 }, name: 'scope_n' },
  ],
  blobRefs: [
    // releaseBlob takes one reference of the blob and counts the rest.
    { key: { blobId: 1 }, name: 'blob' },
  ],
  blobChunks: [
    // Ranged reads fetch chunks n..m of one blob in order.
    { key: { blobId: 1, n: 1 }, name: 'blob_n', unique: true },
  ],
  folders: [
    // getFolder; one folder per path per account.
    { key: { accountId: 1, path: 1 }, name: 'account_path', unique: true },
  ],
  messages: [
    // UID ranges; one message per UID per folder.
    { key: { folderId: 1, uid: 1 }, name: 'folder_uid', unique: true },
    // CONDSTORE CHANGEDSINCE.
    { key: { folderId: 1, modseq: 1 }, name: 'folder_modseq' },
    // Flag queries (expunge of \Deleted, unseen counts).
    { key: { folderId: 1, flags: 1 }, name: 'folder_flags' },
    // usage() and account removal.
    { key: { accountId: 1 }, name: 'account' },
  ],
  files: [
    // listFiles(dir), sorted by path.
    { key: { dir: 1, _id: 1 }, name: 'dir_path' },
  ],
  events: [
    { key: { logLower: 1, seq: 1 }, name: 'log_seq' },
    { key: { logLower: 1, time: 1 }, name: 'log_time' },
    { key: { time: 1 }, name: 'time' },
  ],
};

/**
 * Creates the indexes that are missing. Only the missing ones are sent: FerretDB 1.x drops the
 * connection when createIndexes with a write concern names several indexes that already exist.
 */
export async function ensureIndexes(cols: Collections): Promise<void> {
  for (const [name, indexes] of Object.entries(INDEXES) as [keyof Collections, IndexDescription[]][]) {
    const existing = new Set((await existingIndexes(cols[name])).map((index) => String(index.name)));
    const missing = indexes.filter((index) => !existing.has(String(index.name)));
    if (missing.length > 0) await cols[name].createIndexes(missing);
  }
}

/** The collection's indexes; none when the collection does not exist yet. */
async function existingIndexes(collection: Pick<Collection, 'listIndexes'>): Promise<Document[]> {
  try {
    return await collection.listIndexes().toArray();
  } catch (error) {
    if (error instanceof MongoServerError && error.code === 26) return []; // NamespaceNotFound
    throw error;
  }
}
