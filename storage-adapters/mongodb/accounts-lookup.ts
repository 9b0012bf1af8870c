import { ObjectId } from 'mongodb';
import type { Account, AccountKey } from '../../core/model/index.js';
import { NotFoundError } from '../../core/ports/index.js';
import type { AccountDoc, Collections } from './collections.js';

/**
 * The account document's _id: the address with the name lower-cased, so the _id index makes the
 * name unique case-insensitively. Names and domains contain no `/` (core/model/names.ts).
 */
export function addressKey(key: AccountKey): string {
  return `${key.domain.toLowerCase()}/${key.name.toLowerCase()}`;
}

/** The _id range of a domain's accounts ('0' is the character after '/'). */
export function domainRange(domain: string): { $gte: string; $lt: string } {
  return { $gte: `${domain}/`, $lt: `${domain}0` };
}

/** An account as the adapter holds it: the port's Account, its document's _id, its incarnation. */
export interface StoredAccount extends Account {
  key: string;
  /**
   * This incarnation of the account: folders, messages and members point at it, so a re-created
   * account of the same name never inherits leftovers of the old one.
   */
  accountId: ObjectId;
}

/** What AccountDoc.data holds, as JSON: the account but for its _id and seq. */
type StoredAccountData = Pick<Account, 'name' | 'kind' | 'credential' | 'vars' | 'attributes'> & {
  accountId: string;
  createdAt: string;
};

export function accountDoc(account: StoredAccount): AccountDoc {
  return { _id: account.key, seq: account.seq, data: accountData(account) };
}

/** The `data` field of the account's document. */
export function accountData(account: StoredAccount): string {
  const data: StoredAccountData = {
    accountId: account.accountId.toHexString(),
    name: account.name,
    kind: account.kind,
    credential: account.credential,
    vars: account.vars,
    attributes: account.attributes,
    createdAt: account.createdAt.toISOString(),
  };
  return JSON.stringify(data);
}

export function readAccount(doc: AccountDoc): StoredAccount {
  const data = JSON.parse(doc.data) as StoredAccountData;
  return {
    key: doc._id,
    accountId: new ObjectId(data.accountId),
    domain: doc._id.slice(0, doc._id.indexOf('/')),
    name: data.name,
    seq: doc.seq,
    kind: data.kind,
    credential: data.credential,
    vars: data.vars,
    attributes: data.attributes,
    createdAt: new Date(data.createdAt),
  };
}

export function toAccount(account: StoredAccount): Account {
  return {
    domain: account.domain,
    name: account.name,
    seq: account.seq,
    kind: account.kind,
    credential: account.credential,
    vars: account.vars,
    attributes: account.attributes,
    createdAt: account.createdAt,
  };
}

/**
 * The document of a visible account (not being removed) by address, case-insensitive on the name,
 * or null. The filter is the bare `_id`, the only one FerretDB 1.x passes down to SQL.
 */
export async function findAccountDoc(cols: Collections, key: AccountKey): Promise<AccountDoc | null> {
  const doc = await cols.accounts.findOne({ _id: addressKey(key) });
  return doc && !doc.deletingSince ? doc : null;
}

export async function findAccount(cols: Collections, key: AccountKey): Promise<StoredAccount | null> {
  const doc = await findAccountDoc(cols, key);
  return doc && readAccount(doc);
}

/** @throws NotFoundError */
export async function requireAccount(cols: Collections, key: AccountKey): Promise<StoredAccount> {
  const account = await findAccount(cols, key);
  if (!account) throw new NotFoundError(`account ${key.name}@${key.domain}`);
  return account;
}
