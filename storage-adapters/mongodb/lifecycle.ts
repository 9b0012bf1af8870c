import type { BlobStore } from '../../core/ports/index.js';
import { domainRange, readAccount, type StoredAccount } from './accounts-lookup.js';
import type { AccountDoc, Collections } from './collections.js';
import { removeMessages } from './message-removal.js';

/**
 * Creating and removing accounts and domains without multi-document transactions (FerretDB 1.x
 * has none). An account is one document (collections.ts AccountDoc), whose unique _id (the
 * lower-cased address) is the atomic claim on the name.
 *  - Creation (account-creation.ts) writes the INBOX folder first, hung off a fresh accountId
 *    nobody refers to yet, then the account document: the one write that makes the account
 *    visible, INBOX and all. A creation that loses the name deletes its folder.
 *  - Removal sets `deletingSince` (readers and listings stop seeing the account at once),
 *    removes everything hanging off it, and deletes the document last.
 * A crash mid-way leaves an INBOX nobody refers to (a small leak, never seen), or a document
 * being removed, which holds the name while invisible; the next addAccount of that name finishes
 * the removal once it began more than ABANDONED_AFTER_MS ago (long enough that a live removal in
 * another process is never taken for a dead one).
 * Domains work the same way with a `deleting` flag.
 */
const ABANDONED_AFTER_MS = 60_000;

/** Whether `holder`, the document that kept a new account from its name, is a removal that died. */
export function isAbandoned(holder: AccountDoc): boolean {
  return (
    holder.deletingSince !== undefined && holder.deletingSince.getTime() < Date.now() - ABANDONED_AFTER_MS
  );
}

/** Removes the account and everything that hangs off it; see the module comment for the order. */
export async function purgeAccount(
  cols: Collections,
  blobs: BlobStore,
  account: StoredAccount,
): Promise<void> {
  if (!(await isCurrent(cols, account))) return; // somebody else removed it already
  await cols.accounts.updateOne({ _id: account.key }, { $set: { deletingSince: new Date() } });
  await removeMessages(cols, blobs, { accountId: account.accountId });
  await cols.folders.deleteMany({ accountId: account.accountId });
  await cols.members.deleteMany({ accountId: account.accountId });
  const nameLower = account.name.toLowerCase();
  await cols.routes.deleteMany({ 'target.domain': account.domain, targetNameLower: nameLower });
  await cols.pop3Links.deleteMany({ localDomain: account.domain, localNameLower: nameLower });
  if (await isCurrent(cols, account)) await cols.accounts.deleteOne({ _id: account.key });
}

/**
 * Whether the name still belongs to this incarnation of the account. Writes then go by the bare
 * `_id`: for `{ _id, ... }` FerretDB 1.x decodes the whole collection.
 */
async function isCurrent(cols: Collections, account: StoredAccount): Promise<boolean> {
  const doc = await cols.accounts.findOne({ _id: account.key });
  return doc !== null && readAccount(doc).accountId.equals(account.accountId);
}

/** Everything under a domain, then the domain document itself (already flagged `deleting`). */
export async function purgeDomain(cols: Collections, blobs: BlobStore, name: string): Promise<void> {
  // Accounts being removed included: their removal is finished here.
  for await (const doc of cols.accounts.find({ _id: domainRange(name) })) {
    await purgeAccount(cols, blobs, readAccount(doc));
  }
  await cols.routes.deleteMany({ domain: name });
  await cols.externalAliases.deleteMany({ 'local.domain': name });
  await cols.aliasDomains.deleteMany({ domain: name });
  // A range on _id (the path) rather than a regex: it is served by the _id index.
  const prefix = `domains/${name}/`;
  await cols.files.deleteMany({ _id: { $gte: prefix, $lt: `${prefix}\uffff` } });
  await cols.domains.deleteOne({ _id: name });
}
