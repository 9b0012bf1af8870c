import type { Filter } from 'mongodb';
import type { Account, AccountKey, Credential, ListMember, LoginRecord } from '../../core/model/index.js';
import type {
  AccountQuery,
  AccountStore,
  BlobStore,
  NewAccount,
  Page,
  PageRequest,
} from '../../core/ports/index.js';
import { AlreadyExistsError, NotFoundError } from '../../core/ports/index.js';
import {
  addressKey,
  findAccount,
  requireAccount,
  storedAttributes,
  storedVars,
  toAccount,
} from './accounts-lookup.js';
import type { AccountDoc, Collections } from './collections.js';
import { nextSeq } from './counters.js';
import { isDuplicateKey } from './errors.js';
import { createAccount, purgeAccount } from './lifecycle.js';

export class MongoAccountStore implements AccountStore {
  constructor(
    private readonly cols: Collections,
    private readonly blobs: BlobStore,
  ) {}

  async addAccount(account: NewAccount): Promise<Account> {
    return toAccount(await createAccount(this.cols, this.blobs, account));
  }

  async getAccount(key: AccountKey): Promise<Account | null> {
    const doc = await findAccount(this.cols, key);
    return doc ? toAccount(doc) : null;
  }

  async deleteAccount(key: AccountKey): Promise<void> {
    await purgeAccount(this.cols, this.blobs, await requireAccount(this.cols, key));
  }

  async listAccounts(query: AccountQuery, page: PageRequest = {}): Promise<Page<Account>> {
    const filter = accountFilter(query);
    let cursor = this.cols.accounts
      .find(filter)
      .sort({ seq: 1 })
      .skip(page.offset ?? 0);
    if (page.limit !== undefined) cursor = cursor.limit(page.limit);
    const [docs, total] = await Promise.all([cursor.toArray(), this.cols.accounts.countDocuments(filter)]);
    return { items: docs.map(toAccount), total };
  }

  countAccounts(query: AccountQuery): Promise<number> {
    return this.cols.accounts.countDocuments(accountFilter(query));
  }

  setCredential(key: AccountKey, credential: Credential): Promise<void> {
    return this.setField(key, { credential });
  }

  setVars(key: AccountKey, vars: [string, string][]): Promise<void> {
    return this.setField(key, { vars: storedVars(vars) });
  }

  setAttributes(key: AccountKey, attributes: [string, string[]][]): Promise<void> {
    return this.setField(key, { attributes: storedAttributes(attributes) });
  }

  async listMembers(key: AccountKey): Promise<ListMember[]> {
    const account = await findAccount(this.cols, key);
    if (!account) return [];
    const docs = await this.cols.members.find({ accountId: account.accountId }).sort({ seq: 1 }).toArray();
    return docs.map((doc) => ({ address: doc.address, perms: doc.perms }));
  }

  async addMember(key: AccountKey, member: ListMember): Promise<void> {
    const account = await requireAccount(this.cols, key);
    try {
      await this.cols.members.insertOne({
        accountId: account.accountId,
        address: member.address,
        addressLower: member.address.toLowerCase(),
        perms: member.perms,
        seq: await nextSeq(this.cols, 'memberSeq'),
      });
    } catch (error) {
      if (isDuplicateKey(error)) throw new AlreadyExistsError(`member ${member.address}`);
      throw error;
    }
  }

  async removeMember(key: AccountKey, address: string): Promise<void> {
    const account = await requireAccount(this.cols, key);
    const result = await this.cols.members.deleteOne({
      accountId: account.accountId,
      addressLower: address.toLowerCase(),
    });
    if (result.deletedCount === 0) throw new NotFoundError(`member ${address}`);
  }

  async recordLogin(key: AccountKey, login: LoginRecord): Promise<void> {
    await this.cols.accounts.updateOne(
      { _id: addressKey(key), state: 'ready' },
      { $set: { lastLogin: login } },
    );
  }

  async lastLogin(key: AccountKey): Promise<LoginRecord | null> {
    return (await findAccount(this.cols, key))?.lastLogin ?? null;
  }

  private async setField(key: AccountKey, fields: Partial<AccountDoc>): Promise<void> {
    const result = await this.cols.accounts.updateOne(
      { _id: addressKey(key), state: 'ready' },
      { $set: fields },
    );
    if (result.matchedCount === 0) throw new NotFoundError(`account ${key.name}@${key.domain}`);
  }
}

function accountFilter(query: AccountQuery): Filter<AccountDoc> {
  const filter: Filter<AccountDoc> = { state: 'ready' };
  if (query.domain !== undefined) filter.domain = query.domain.toLowerCase();
  if (query.namePattern !== undefined)
    filter.nameLower = { $regex: wildcardRegex(query.namePattern.toLowerCase()) };
  return filter;
}

/** `*` and `?` wildcards as an anchored regular expression, everything else literal. */
function wildcardRegex(pattern: string): string {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  return `^${escaped.replace(/\*/g, '.*').replace(/\?/g, '.')}$`;
}
