import type {
  Account,
  AccountKey,
  AccountKind,
  Credential,
  ListMember,
  LoginRecord,
} from '../model/directory.js';
import { compileWildPattern, matchesWildPattern, wildPatternRegExpSource } from '../model/wild-pattern.js';
import type { Page, PageRequest } from './page.js';

export interface NewAccount extends AccountKey {
  kind: AccountKind;
  credential: Credential;
  vars: [string, string][];
  attributes?: [string, string[]][];
}

export interface AccountQuery {
  /** Exact domain, or undefined for all. */
  domain?: string;
  /**
   * A wildcard over the name in core's wildmatch syntax (core/model/wild-pattern.ts: `*`, `?`,
   * `[...]`, `\x`; every other char, `.` `+` `(` included, is literal). Case-insensitive the way
   * account names are: both sides lower-cased with toLowerCase, the folding of account keys, so a
   * store can filter its lower-cased name index. For ASCII names that is XMail's StrIWildMatch. A
   * malformed pattern matches nothing. Adapters apply it through accountNameMatcher or
   * accountNamePatternSource, so they all agree.
   */
  namePattern?: string;
}

/** AccountQuery.namePattern as a test of an account name. */
export function accountNameMatcher(pattern: string): (name: string) => boolean {
  const steps = compileWildPattern(pattern.toLowerCase());
  return (name) => steps !== null && matchesWildPattern(name.toLowerCase(), steps);
}

/**
 * AccountQuery.namePattern as the source of a regular expression (not anchored) over the
 * lower-cased name, for a store that filters with one; null when the pattern matches nothing.
 */
export function accountNamePatternSource(pattern: string): string | null {
  const steps = compileWildPattern(pattern.toLowerCase());
  return steps === null ? null : wildPatternRegExpSource(steps);
}

/** Accounts (users and lists), their variables, attributes, members and login records. */
export interface AccountStore {
  /**
   * Creates the account and its INBOX folder atomically: either all of it exists afterwards or none.
   * Assigns `seq`. @throws AlreadyExistsError (also when the name is taken case-insensitively)
   * @throws NotFoundError when the domain does not exist
   */
  addAccount(account: NewAccount): Promise<Account>;
  /** Case-insensitive on the name. */
  getAccount(key: AccountKey): Promise<Account | null>;
  /** Removes the account with its folders, messages (releasing bodies), members, routes to it and links. */
  deleteAccount(key: AccountKey): Promise<void>;
  /** Insertion (`seq`) order. */
  listAccounts(query: AccountQuery, page?: PageRequest): Promise<Page<Account>>;
  countAccounts(query: AccountQuery): Promise<number>;

  /** @throws NotFoundError */
  setCredential(key: AccountKey, credential: Credential): Promise<void>;
  /** Replaces all variables, keeping the given order. @throws NotFoundError */
  setVars(key: AccountKey, vars: [string, string][]): Promise<void>;
  /** Replaces all attributes, keeping the given order. @throws NotFoundError */
  setAttributes(key: AccountKey, attributes: [string, string[]][]): Promise<void>;

  /** Members of a list account, in insertion order. */
  listMembers(key: AccountKey): Promise<ListMember[]>;
  /** @throws AlreadyExistsError (address compared case-insensitively) @throws NotFoundError */
  addMember(key: AccountKey, member: ListMember): Promise<void>;
  /** @throws NotFoundError */
  removeMember(key: AccountKey, address: string): Promise<void>;

  recordLogin(key: AccountKey, login: LoginRecord): Promise<void>;
  lastLogin(key: AccountKey): Promise<LoginRecord | null>;
}
