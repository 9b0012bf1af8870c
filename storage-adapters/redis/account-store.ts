import type { Account, AccountKey, Credential, ListMember, LoginRecord } from '../../core/model/directory.js';
import {
  accountNameMatcher,
  type AccountQuery,
  type AccountStore,
  type NewAccount,
} from '../../core/ports/account-store.js';
import type { Page, PageRequest } from '../../core/ports/page.js';
import type { RedisContext } from './context.js';
import { accountId, ordered } from './keys.js';

export class RedisAccountStore implements AccountStore {
  constructor(private readonly ctx: RedisContext) {}

  async addAccount(account: NewAccount): Promise<Account> {
    const domain = account.domain.toLowerCase();
    const createdAt = new Date();
    const attributes = account.attributes ?? [];
    const seq = await this.ctx.scripts.run(
      'addAccount',
      domain,
      account.name.toLowerCase(),
      account.name,
      account.kind,
      JSON.stringify(account.credential),
      JSON.stringify(account.vars),
      JSON.stringify(attributes),
      createdAt.getTime(),
    );
    return {
      domain,
      name: account.name,
      seq: Number(seq),
      kind: account.kind,
      credential: account.credential,
      vars: account.vars,
      attributes,
      createdAt,
    };
  }

  async getAccount(key: AccountKey): Promise<Account | null> {
    return parseAccount(await this.ctx.redis.hgetall(this.accountKey(key)));
  }

  async deleteAccount(key: AccountKey): Promise<void> {
    await this.ctx.scripts.run('deleteAccount', key.domain.toLowerCase(), key.name.toLowerCase());
  }

  async listAccounts(query: AccountQuery, page: PageRequest = {}): Promise<Page<Account>> {
    const offset = page.offset ?? 0;
    const limit = page.limit ?? Infinity;
    if (limit <= 0) return { items: [], total: await this.countAccounts(query) };
    let ids: string[];
    let total: number;
    if (query.namePattern === undefined) {
      // Straight from the index: only the requested page is read.
      [ids, total] = await Promise.all([
        this.ctx.redis.zrange(
          this.indexKey(query),
          offset,
          String(Number.isFinite(limit) ? offset + limit - 1 : -1),
        ),
        this.ctx.redis.zcard(this.indexKey(query)),
      ]);
    } else {
      const matching = await this.matchingIds(query);
      total = matching.length;
      ids = matching.slice(offset, offset + limit);
    }
    const pipeline = this.ctx.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.ctx.key(`acct:${this.fullId(query, id)}`));
    const rows = (await pipeline.exec()) ?? [];
    const items = rows
      .map(([, row]) => parseAccount(row as Record<string, string>))
      .filter((a): a is Account => a !== null);
    return { items, total };
  }

  async countAccounts(query: AccountQuery): Promise<number> {
    if (query.namePattern === undefined) return this.ctx.redis.zcard(this.indexKey(query));
    return (await this.matchingIds(query)).length;
  }

  async setCredential(key: AccountKey, credential: Credential): Promise<void> {
    await this.setField(key, 'credential', JSON.stringify(credential));
  }

  async setVars(key: AccountKey, vars: [string, string][]): Promise<void> {
    await this.setField(key, 'vars', JSON.stringify(vars));
  }

  async setAttributes(key: AccountKey, attributes: [string, string[]][]): Promise<void> {
    await this.setField(key, 'attributes', JSON.stringify(attributes));
  }

  listMembers(key: AccountKey): Promise<ListMember[]> {
    const id = accountId(key);
    return this.ctx.readOrdered<ListMember>(`member:${id}`, `member:order:${id}`);
  }

  async addMember(key: AccountKey, listMember: ListMember): Promise<void> {
    const id = accountId(key);
    await this.ctx.scripts.run(
      'orderedAdd',
      `acct:${id}`,
      `account ${key.name}@${key.domain}`,
      `member:${id}`,
      listMember.address.toLowerCase(),
      `member ${listMember.address} of ${key.name}@${key.domain}`,
      JSON.stringify({ address: listMember.address, perms: listMember.perms }),
      ordered(`member:order:${id}`),
    );
  }

  async removeMember(key: AccountKey, address: string): Promise<void> {
    await this.ctx.scripts.run(
      'orderedDelete',
      `member:${accountId(key)}`,
      address.toLowerCase(),
      `member ${address} of ${key.name}@${key.domain}`,
    );
  }

  async recordLogin(key: AccountKey, login: LoginRecord): Promise<void> {
    await this.setField(key, 'login', JSON.stringify(login));
  }

  async lastLogin(key: AccountKey): Promise<LoginRecord | null> {
    const json = await this.ctx.redis.hget(this.accountKey(key), 'login');
    if (json === null) return null;
    const login = JSON.parse(json) as LoginRecord & { at: string };
    return { ...login, at: new Date(login.at) };
  }

  private accountKey(key: AccountKey): string {
    return this.ctx.key(`acct:${accountId(key)}`);
  }

  private async setField(key: AccountKey, field: string, value: string): Promise<void> {
    await this.ctx.scripts.run(
      'setField',
      `acct:${accountId(key)}`,
      `account ${key.name}@${key.domain}`,
      field,
      value,
    );
  }

  /** `accts:<d>` holds bare lower-case names, `accts` holds `<d>:<lcname>`. */
  private indexKey(query: AccountQuery): string {
    return this.ctx.key(query.domain === undefined ? 'accts' : `accts:${query.domain.toLowerCase()}`);
  }

  private fullId(query: AccountQuery, indexMember: string): string {
    return query.domain === undefined ? indexMember : `${query.domain.toLowerCase()}:${indexMember}`;
  }

  /** Filters the whole index by name (names only, no records): fine for 100,000 accounts. */
  private async matchingIds(query: AccountQuery): Promise<string[]> {
    const matches = accountNameMatcher(query.namePattern ?? '*');
    const ids = await this.ctx.redis.zrange(this.indexKey(query), 0, '-1');
    return ids.filter((id) => matches(id.slice(id.indexOf(':') + 1)));
  }
}

function parseAccount(row: Record<string, string>): Account | null {
  if (row.name === undefined) return null;
  return {
    domain: row.domain,
    name: row.name,
    seq: Number(row.seq),
    kind: row.kind as Account['kind'],
    credential: JSON.parse(row.credential) as Credential,
    vars: JSON.parse(row.vars) as [string, string][],
    attributes: JSON.parse(row.attributes) as [string, string[]][],
    createdAt: new Date(Number(row.createdAt)),
  };
}
