/**
 * Accounts (users and mailing lists) as the admin protocols manage them: one set of rules for an
 * XMail `useradd` and an AltaVista `Create Mailbox`, so both make the same account.
 */
import type { Account, AccountKey, AccountKind, LoginRecord } from '../../model/directory.js';
import { mailprocPath } from '../../model/mail-root.js';
import { checkLocalPart } from '../../model/names.js';
import type { AccountQuery } from '../../ports/account-store.js';
import { AlreadyExistsError } from '../../ports/errors.js';
import type { Storage } from '../../ports/storage.js';
import type { Router } from '../../routing/router.js';
import { wildMatchIgnoreCase } from '../../routing/wildmatch.js';
import type { CredentialService } from '../credentials.js';
import { defaultAccountVars } from './account-defaults.js';
import type { DomainAdmin } from './domains.js';
import {
  DirectoryAdminError,
  ignoreNotFound,
  isValid,
  keyOf,
  sameKey,
  translate,
  validLocalPart,
} from './errors.js';
import { findAliasRoute } from './routes.js';

/**
 * The folders a new user starts with besides INBOX, marked for IMAP SPECIAL-USE (RFC 6154) so
 * every client files sent mail, drafts and deletions in the same places.
 */
const SPECIAL_FOLDERS: readonly (readonly [string, string])[] = [
  ['Drafts', '\\Drafts'],
  ['Sent', '\\Sent'],
  ['Trash', '\\Trash'],
  ['Junk', '\\Junk'],
  ['Archive', '\\Archive'],
];

function ignoreExists(err: unknown): void {
  if (!(err instanceof AlreadyExistsError)) throw err;
}

export interface UserStat {
  address: string;
  bytes: number;
  messages: number;
  lastLogin: LoginRecord | null;
}

export class AccountAdmin {
  constructor(
    private readonly storage: Pick<Storage, 'accounts' | 'routes' | 'pop3Links' | 'mail' | 'files'>,
    private readonly domains: Pick<DomainAdmin, 'isLocal' | 'canonical' | 'list'>,
    private readonly credentials: CredentialService,
    /** Resolves an address the way mail is routed (userStat). */
    private readonly router: Pick<Router, 'resolve'>,
  ) {}

  /**
   * Creates a user or mailing list in a real (not alias) local domain, with the default variables
   * (account-defaults.ts). An empty password makes an account that cannot log in. A name an alias
   * of the domain already holds is refused (alias-exists).
   */
  async add(domain: string, name: string, password: string, kind: AccountKind = 'user'): Promise<Account> {
    if (!(await this.domains.isLocal(domain))) throw new DirectoryAdminError('domain-not-handled', domain);
    const domainName = domain.toLowerCase();
    const local = validLocalPart(name);
    if ((await findAliasRoute(this.storage.routes, domainName, local)) !== undefined) {
      throw new DirectoryAdminError('alias-exists', `${local}@${domainName}`);
    }
    let account: Account;
    try {
      account = await this.storage.accounts.addAccount({
        domain: domainName,
        name: local,
        kind,
        credential: await this.credentials.forPassword(password),
        vars: await defaultAccountVars(this.storage.files, domainName),
      });
    } catch (err) {
      throw translate(err, 'user-exists', 'domain-not-handled');
    }
    if (kind === 'user') {
      for (const [path, specialUse] of SPECIAL_FOLDERS) {
        await this.storage.mail.createFolder(keyOf(account), path, { specialUse }).catch(ignoreExists);
      }
    }
    return account;
  }

  /** Removes the account (mail, members, routes to it, POP3 links), its external aliases and mailproc.tab. */
  async delete(domain: string, name: string): Promise<void> {
    const key = keyOf(await this.find(domain, name));
    for (const alias of await this.storage.routes.listExternalAliases()) {
      if (sameKey(alias.local, key)) {
        await this.storage.routes
          .deleteExternalAlias(alias.remote.domain, alias.remote.name)
          .catch(ignoreNotFound);
      }
    }
    for (const link of await this.storage.pop3Links.listLinks(key)) {
      await this.storage.pop3Links.deleteLink(key, link.remoteDomain, link.remoteUser).catch(ignoreNotFound);
    }
    try {
      await this.storage.accounts.deleteAccount(key);
    } catch (err) {
      throw translate(err, 'user-not-found', 'user-not-found');
    }
    await this.storage.files.deleteFile(mailprocPath(key, 'user'));
  }

  /**
   * The account `name` in `domain` or, when `domain` is an alias domain, in its real domain.
   * @throws DirectoryAdminError user-not-found (with the account as it was named)
   */
  async find(domain: string, name: string): Promise<Account> {
    const canonical = await this.domains.canonical(domain);
    const account =
      canonical === null || !isValid(() => checkLocalPart(name))
        ? null
        : await this.storage.accounts.getAccount({ domain: canonical, name });
    if (!account) throw userNotFound(domain, name);
    return account;
  }

  async setPassword(domain: string, name: string, password: string): Promise<void> {
    const account = await this.find(domain, name);
    await this.storage.accounts.setCredential(keyOf(account), await this.credentials.forPassword(password));
  }

  /** Throws user-not-found or wrong-password. */
  async checkPassword(domain: string, name: string, password: string): Promise<void> {
    const account = await this.find(domain, name);
    if (!(await this.credentials.verify(account, password))) {
      throw new DirectoryAdminError('wrong-password', `${name}@${domain}`);
    }
  }

  /** What a listing shows as the password: the clear one for legacy secrets, else the stored hash. */
  displayedSecret(account: Account): string {
    return this.credentials.displayed(account);
  }

  /**
   * Accounts whose domain and name match the case-insensitive wildcard patterns (an empty pattern
   * matches everything), in insertion order; `page` slices that same order. The store filters the
   * name (AccountQuery.namePattern, the same syntax) and a literal domain, and pages when it is
   * given the whole filter; only a wildcard domain pattern is applied here, before paging.
   */
  async list(
    domainPattern: string,
    namePattern: string,
    page: { offset: number; limit?: number } = { offset: 0 },
  ): Promise<Account[]> {
    const query: AccountQuery = { namePattern: namePattern === '' ? undefined : namePattern };
    if (domainPattern === '' || !/[*?[\\]/.test(domainPattern)) {
      query.domain = domainPattern === '' ? undefined : domainPattern.toLowerCase();
      return (await this.storage.accounts.listAccounts(query, page)).items;
    }
    const { items } = await this.storage.accounts.listAccounts(query);
    const matching = items.filter((account) => wildMatches(account.domain, domainPattern));
    return matching.slice(page.offset, page.limit === undefined ? undefined : page.offset + page.limit);
  }

  /** The number of accounts of each local domain matching the pattern, in domain order. */
  async count(domainPattern: string): Promise<[string, number][]> {
    const counts: [string, number][] = [];
    for (const domain of await this.domains.list()) {
      if (wildMatches(domain, domainPattern)) {
        counts.push([domain, await this.storage.accounts.countAccounts({ domain })]);
      }
    }
    return counts;
  }

  async vars(domain: string, name: string): Promise<[string, string][]> {
    return (await this.find(domain, name)).vars;
  }

  /** Sets variables in place (new ones at the end); a null value removes the variable. */
  async setVars(domain: string, name: string, changes: readonly [string, string | null][]): Promise<void> {
    const account = await this.find(domain, name);
    const vars = new Map(account.vars);
    for (const [variable, value] of changes) {
      if (value === null) vars.delete(variable);
      else vars.set(variable, value);
    }
    await this.storage.accounts.setVars(keyOf(account), [...vars]);
  }

  /** The account an address (user, alias, wildcard alias, alias domain) reaches, with its usage. */
  async stat(domain: string, name: string): Promise<UserStat> {
    let account: Account | undefined;
    try {
      const resolution = await this.router.resolve(`${name}@${domain}`);
      if (resolution.kind === 'local') account = resolution.account;
    } catch {
      // An address we cannot parse reaches nobody.
    }
    if (!account) throw userNotFound(domain, name);
    const key = keyOf(account);
    const [usage, lastLogin] = await Promise.all([
      this.storage.mail.usage(key),
      this.storage.accounts.lastLogin(key),
    ]);
    return {
      address: `${account.name}@${account.domain}`,
      bytes: usage.bytes,
      messages: usage.messages,
      lastLogin,
    };
  }
}

function userNotFound(domain: string, name: string): DirectoryAdminError {
  const named: AccountKey = { domain, name };
  return new DirectoryAdminError('user-not-found', `${name}@${domain}`, named);
}

/** An empty pattern (filter not given) matches everything. */
function wildMatches(subject: string, pattern: string): boolean {
  return pattern === '' || wildMatchIgnoreCase(subject, pattern);
}
