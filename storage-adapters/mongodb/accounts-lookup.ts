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

/**
 * A ready account by address (case-insensitive on the name), or null. The filter is the bare
 * `_id`, and the state is checked here, because FerretDB 1.x pushes only a lone `_id` equality
 * down to an index.
 */
export async function findAccount(cols: Collections, key: AccountKey): Promise<AccountDoc | null> {
  const doc = await cols.accounts.findOne({ _id: addressKey(key) });
  return doc?.state === 'ready' ? doc : null;
}

/** @throws NotFoundError */
export async function requireAccount(cols: Collections, key: AccountKey): Promise<AccountDoc> {
  const doc = await findAccount(cols, key);
  if (!doc) throw new NotFoundError(`account ${key.name}@${key.domain}`);
  return doc;
}

/** FerretDB 1.x refuses nested arrays: vars and attributes are stored as arrays of objects. */
export function storedVars(vars: [string, string][]): AccountDoc['vars'] {
  return vars.map(([name, value]) => ({ name, value }));
}

export function storedAttributes(attributes: [string, string[]][]): AccountDoc['attributes'] {
  return attributes.map(([name, values]) => ({ name, values }));
}

export function toAccount(doc: AccountDoc): Account {
  return {
    domain: doc.domain,
    name: doc.name,
    seq: doc.seq,
    kind: doc.kind,
    credential: doc.credential,
    vars: doc.vars.map(({ name, value }) => [name, value]),
    attributes: doc.attributes.map(({ name, values }) => [name, values]),
    createdAt: doc.createdAt,
  };
}
