import type {
  Account,
  AccountKey,
  AccountKind,
  Credential,
  ListMember,
  LoginRecord,
} from '../model/directory.js';
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
  /** Case-insensitive wildcard (`*`, `?`) over the name; the caller may filter further. */
  namePattern?: string;
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
