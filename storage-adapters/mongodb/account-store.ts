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
import { accountNamePatternSource, AlreadyExistsError, NotFoundError } from '../../core/ports/index.js';
import { AccountCreator } from './account-creation.js';
import {
  accountData,
  domainRange,
  findAccount,
  findAccountDoc,
  readAccount,
  requireAccount,
  toAccount,
  type StoredAccount,
} from './accounts-lookup.js';
import type { AccountDoc, Collections } from './collections.js';
import { nextSeq } from './counters.js';
import { isDuplicateKey } from './errors.js';
import { purgeAccount } from './lifecycle.js';

export class MongoAccountStore implements AccountStore {
  private readonly creator: AccountCreator;

  constructor(
    private readonly cols: Collections,
    private readonly blobs: BlobStore,
  ) {
    this.creator = new AccountCreator(cols, blobs);
  }

  async addAccount(account: NewAccount): Promise<Account> {
    return toAccount(await this.creator.create(account));
  }

  async getAccount(key: AccountKey): Promise<Account | null> {
    const account = await findAccount(this.cols, key);
    return account && toAccount(account);
  }

  async deleteAccount(key: AccountKey): Promise<void> {
    await purgeAccount(this.cols, this.blobs, await requireAccount(this.cols, key));
  }

  /**
   * A page that comes out short of its limit (or has none) tells the total itself: the count, a
   * second pass over every account on FerretDB 1.x, is made only for a full or empty page.
   */
  async listAccounts(query: AccountQuery, page: PageRequest = {}): Promise<Page<Account>> {
    const filter = listingFilter(query);
    const offset = page.offset ?? 0;
    let cursor = this.cols.accounts.find(filter).sort({ seq: 1 }).skip(offset);
    if (page.limit !== undefined) cursor = cursor.limit(page.limit);
    const docs = await cursor.toArray();
    const short = page.limit === undefined || docs.length < page.limit;
    const total =
      short && (docs.length > 0 || offset === 0)
        ? offset + docs.length
        : await this.cols.accounts.countDocuments(filter);
    return { items: docs.map((doc) => toAccount(readAccount(doc))), total };
  }

  countAccounts(query: AccountQuery): Promise<number> {
    return this.cols.accounts.countDocuments(listingFilter(query));
  }

  setCredential(key: AccountKey, credential: Credential): Promise<void> {
    return this.update(key, (account) => ({ ...account, credential }));
  }

  setVars(key: AccountKey, vars: [string, string][]): Promise<void> {
    return this.update(key, (account) => ({ ...account, vars }));
  }

  setAttributes(key: AccountKey, attributes: [string, string[]][]): Promise<void> {
    return this.update(key, (account) => ({ ...account, attributes }));
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
    const doc = await findAccountDoc(this.cols, key);
    if (doc)
      await this.cols.accounts.updateOne({ _id: doc._id }, { $set: { lastLogin: JSON.stringify(login) } });
  }

  async lastLogin(key: AccountKey): Promise<LoginRecord | null> {
    const stored = (await findAccountDoc(this.cols, key))?.lastLogin;
    if (stored === undefined) return null;
    const login = JSON.parse(stored) as Omit<LoginRecord, 'at'> & { at: string };
    return { ...login, at: new Date(login.at) };
  }

  /**
   * Rewrites the account's `data` by the bare `_id` (for any other filter FerretDB 1.x decodes the
   * whole collection). Two changes of one account at the same moment may lose one; FerretDB 1.x
   * runs even a `$set` as such a read and rewrite.
   */
  private async update(key: AccountKey, change: (account: StoredAccount) => StoredAccount): Promise<void> {
    const account = await requireAccount(this.cols, key);
    await this.cols.accounts.updateOne(
      { _id: account.key },
      { $set: { data: accountData(change(account)) } },
    );
  }
}

/**
 * Listings filter on the _id, `domain/namelower`: a domain is a range of it, a name pattern an
 * anchored regular expression over it (both served by the _id index on MongoDB). Accounts being
 * removed are left out.
 */
function listingFilter(query: AccountQuery): Filter<AccountDoc> {
  const visible: Filter<AccountDoc> = { deletingSince: { $exists: false } };
  const domain = query.domain?.toLowerCase();
  if (query.namePattern !== undefined) {
    const namePart = accountNamePatternSource(query.namePattern);
    if (namePart === null) return { _id: { $in: [] } };
    const domainPart = domain === undefined ? '[^/]*' : escapeRegex(domain);
    return { _id: { $regex: `^${domainPart}/${namePart}$` }, ...visible };
  }
  return domain === undefined ? visible : { _id: domainRange(domain), ...visible };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
