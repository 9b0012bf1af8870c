import { ObjectId } from 'mongodb';
import type { NewAccount } from '../../core/ports/index.js';
import { AlreadyExistsError, NotFoundError, type BlobStore } from '../../core/ports/index.js';
import { addressKey, storedAttributes, storedVars } from './accounts-lookup.js';
import type { AccountDoc, Collections } from './collections.js';
import { nextSeq } from './counters.js';
import { isDuplicateKey } from './errors.js';
import { insertFolder } from './folder-records.js';
import { removeMessages } from './message-removal.js';

/**
 * Creating and removing accounts and domains without multi-document transactions (FerretDB 1.x
 * has none). The account document carries a `state`:
 *  - addAccount inserts it as `creating` (its _id is the lower-cased address: an atomic claim on
 *    the name), creates INBOX, then flips it to `ready`. Readers only ever see `ready` accounts, so
 *    nobody sees an account without its INBOX; if INBOX fails, the claim is withdrawn.
 *  - removal flips it to `deleting` first (readers stop seeing it at once), removes everything
 *    hanging off it, and deletes the document last.
 * A crash mid-way leaves a hidden `creating`/`deleting` document holding the name; the next
 * addAccount of that name finishes its removal once it is older than ABANDONED_AFTER_MS (long
 * enough that a live creation in another process is never taken for a dead one).
 * Domains work the same way with a `deleting` flag.
 */
const ABANDONED_AFTER_MS = 60_000;

export async function createAccount(
  cols: Collections,
  blobs: BlobStore,
  account: NewAccount,
): Promise<AccountDoc> {
  const domain = account.domain.toLowerCase();
  const domainDoc = await cols.domains.findOne({ _id: domain });
  if (!domainDoc || domainDoc.deleting) {
    throw new NotFoundError(`domain ${domain}`);
  }
  const now = new Date();
  const doc: AccountDoc = {
    _id: addressKey(account),
    accountId: new ObjectId(),
    domain,
    name: account.name,
    nameLower: account.name.toLowerCase(),
    state: 'creating',
    stateAt: now,
    seq: await nextSeq(cols, 'accountSeq'),
    kind: account.kind,
    credential: account.credential,
    vars: storedVars(account.vars),
    attributes: storedAttributes(account.attributes ?? []),
    createdAt: now,
  };
  await claimName(cols, blobs, doc);
  try {
    await insertFolder(cols, doc.accountId, 'INBOX');
  } catch (error) {
    await cols.accounts.deleteOne({ _id: doc._id, accountId: doc.accountId });
    throw error;
  }
  // Filter on the bare _id (FerretDB 1.x scans the collection for any other filter). The claim is
  // ours: another process reclaims it only after ABANDONED_AFTER_MS.
  await cols.accounts.updateOne({ _id: doc._id }, { $set: { state: 'ready', stateAt: new Date() } });
  return { ...doc, state: 'ready' };
}

async function claimName(cols: Collections, blobs: BlobStore, doc: AccountDoc): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await cols.accounts.insertOne(doc);
      return;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const holder = await cols.accounts.findOne({ _id: doc._id });
      const abandoned =
        holder && holder.state !== 'ready' && holder.stateAt.getTime() < Date.now() - ABANDONED_AFTER_MS;
      if (!abandoned || attempt > 0) throw new AlreadyExistsError(`account ${doc.name}@${doc.domain}`);
      await purgeAccount(cols, blobs, holder);
    }
  }
}

/** Removes the account and everything that hangs off it; see the module comment for the order. */
export async function purgeAccount(cols: Collections, blobs: BlobStore, doc: AccountDoc): Promise<void> {
  const self = { _id: doc._id, accountId: doc.accountId };
  await cols.accounts.updateOne(self, { $set: { state: 'deleting', stateAt: new Date() } });
  await removeMessages(cols, blobs, { accountId: doc.accountId });
  await cols.folders.deleteMany({ accountId: doc.accountId });
  await cols.members.deleteMany({ accountId: doc.accountId });
  await cols.routes.deleteMany({ 'target.domain': doc.domain, targetNameLower: doc.nameLower });
  await cols.pop3Links.deleteMany({ localDomain: doc.domain, localNameLower: doc.nameLower });
  await cols.accounts.deleteOne(self);
}

/** Everything under a domain, then the domain document itself (already flagged `deleting`). */
export async function purgeDomain(cols: Collections, blobs: BlobStore, name: string): Promise<void> {
  for await (const account of cols.accounts.find({ domain: name })) {
    await purgeAccount(cols, blobs, account);
  }
  await cols.routes.deleteMany({ domain: name });
  await cols.externalAliases.deleteMany({ 'local.domain': name });
  await cols.aliasDomains.deleteMany({ domain: name });
  // A range on _id (the path) rather than a regex: it is served by the _id index.
  const prefix = `domains/${name}/`;
  await cols.files.deleteMany({ _id: { $gte: prefix, $lt: `${prefix}\uffff` } });
  await cols.domains.deleteOne({ _id: name });
}
