/**
 * Directory administration use cases shared by the admin protocols (XMail CTRL now, the AltaVista
 * admin protocols later): users with their variables, passwords, aliases, external aliases, alias
 * domains, list members, POP3 links, and the configuration files of the mail root (mailproc.tab,
 * custom domains, userdef.tab). Protocol-neutral: failures are DirectoryAdminError with a reason that
 * each protocol maps to its own codes. Names are validated here (core/model/names.ts) before any
 * adapter sees them.
 */
import type {
  Account,
  AccountKey,
  AccountKind,
  AddressRoute,
  AliasDomain,
  ExternalAlias,
  ListMember,
  LoginRecord,
} from '../model/directory.js';
import { mailprocPath, userDefaultsPaths, type MailprocScope } from '../model/mail-root.js';
import { checkDomain, checkLocalPart } from '../model/names.js';
import {
  DirectoryAdminError,
  ignoreNotFound,
  isValid,
  keyOf,
  sameKey,
  translate,
  validDomain,
  validLocalPart,
} from './admin/errors.js';
import { MailRootFiles } from './admin/files.js';
import { ListAdmin } from './admin/lists.js';
import { RouteAdmin } from './admin/routes.js';
import { Pop3LinkAdmin, type NewPop3Link, type Pop3LinkView } from './admin/pop3-links.js';
import type { AccountQuery } from '../ports/account-store.js';
import type { Storage } from '../ports/storage.js';
import type { DirectoryService } from './directory-service.js';
import type { CredentialService } from './credentials.js';
import type { Router } from '../routing/router.js';
import type { SecretBox } from '../runtime/secrets.js';
import { wildMatchIgnoreCase } from '../routing/wildmatch.js';
import { parseTabFile } from '../model/tab-lines.js';

export * from './admin/errors.js';
export { MailRootFiles } from './admin/files.js';
export * from './admin/pop3-links.js';
export * from './admin/routes.js';
export * from './admin/lists.js';
// The mail-root path rules live in core/model/mail-root.ts; re-exported for existing importers.
export { mailprocPath, type MailprocScope } from '../model/mail-root.js';

export interface UserStat {
  address: string;
  bytes: number;
  messages: number;
  lastLogin: LoginRecord | null;
}

/** XMail's sample userdef.tab (§3.5), used when the mail root holds none. */
const XMAIL_DEFAULT_USER_VARS: readonly [string, string][] = [
  ['RealName', '??'],
  ['HomePage', '??'],
  ['Address', '??'],
  ['Telephone', '??'],
  ['MaxMBSize', '10000'],
  ['SmtpPerms', 'MR'],
  ['ReceiveEnable', '1'],
  ['PopEnable', '1'],
];

export { adminLockoutKey } from './login-service.js';

export class DirectoryAdmin {
  private readonly credentials: CredentialService;
  /** The configuration files of the mail root (admin file commands). */
  readonly files: MailRootFiles;
  readonly pop3Links: Pop3LinkAdmin;
  readonly routes: RouteAdmin;
  readonly lists: ListAdmin;

  constructor(
    private readonly storage: Storage,
    private readonly directory: DirectoryService,
    private readonly router: Router,
    /** Seals POP3 link passwords (they must be replayed to the remote server). */
    secrets: SecretBox,
  ) {
    this.credentials = directory.credentials;
    this.files = new MailRootFiles(storage.files);
    this.routes = new RouteAdmin(storage, directory, this);
    this.lists = new ListAdmin(storage.accounts, this);
    this.pop3Links = new Pop3LinkAdmin(storage.pop3Links, storage.accounts, secrets);
  }

  // ---- domains -------------------------------------------------------------------------------

  /** A real (not alias) local domain, lower-cased; throws domain-exists when it is one or an alias. */
  async addDomain(name: string): Promise<void> {
    const domain = validDomain(name);
    if (await this.routes.isAliasDomainName(domain)) throw new DirectoryAdminError('domain-exists', domain);
    try {
      await this.directory.addDomain(domain);
    } catch (err) {
      throw translate(err, 'domain-exists');
    }
  }

  /** Removes the domain with its accounts, routes, external aliases, alias domains and files. */
  async deleteDomain(name: string): Promise<void> {
    const domain = name.toLowerCase();
    if (!isValid(() => checkDomain(domain)) || !(await this.directory.isLocalDomain(domain)))
      throw new DirectoryAdminError('domain-not-handled', domain);
    try {
      await this.storage.domains.deleteDomain(domain);
    } catch (err) {
      throw translate(err, 'domain-not-handled', 'domain-not-handled');
    }
  }

  async listDomains(): Promise<string[]> {
    return (await this.storage.domains.listDomains()).map((d) => d.name);
  }

  /** The local domain `domain` stands for (itself, or the target of a matching alias domain), or null. */
  async canonicalDomain(domain: string): Promise<string | null> {
    // A name we would refuse to store is never handled (and never reaches an adapter).
    if (!isValid(() => checkDomain(domain))) return null;
    return this.router.canonicalDomain(domain.toLowerCase());
  }

  /** Throws domain-not-handled unless `domain` is local or an alias of a local domain. */
  async requireHandledDomain(domain: string): Promise<string> {
    const canonical = await this.canonicalDomain(domain);
    if (canonical === null) throw new DirectoryAdminError('domain-not-handled', domain);
    return canonical;
  }

  // ---- users ---------------------------------------------------------------------------------

  /**
   * Creates a user or mailing list in a real local domain, with the variables of the domain's
   * userdef.tab (else the root's, else XMail's defaults). An empty password makes an account that
   * cannot log in.
   */
  async addUser(domain: string, name: string, password: string, kind: AccountKind): Promise<Account> {
    if (!isValid(() => checkDomain(domain)) || !(await this.directory.isLocalDomain(domain.toLowerCase()))) {
      throw new DirectoryAdminError('domain-not-handled', domain);
    }
    const domainName = validDomain(domain);
    const local = validLocalPart(name);
    if ((await this.routes.findAliasRoute(domainName, local)) !== undefined) {
      throw new DirectoryAdminError('alias-exists', `${local}@${domainName}`);
    }
    try {
      return await this.storage.accounts.addAccount({
        domain: domainName,
        name: local,
        kind,
        credential: await this.credentials.forPassword(password),
        vars: await this.defaultUserVars(domainName),
      });
    } catch (err) {
      throw translate(err, 'user-exists', 'domain-not-handled');
    }
  }

  /** Removes the account (mail, members, routes to it, POP3 links), its external aliases and mailproc.tab. */
  async deleteUser(domain: string, name: string): Promise<void> {
    const account = await this.findUser(domain, name);
    const key = keyOf(account);
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
   * Throws user-not-found (viaAliasDomain set when the domain was an alias).
   */
  async findUser(domain: string, name: string): Promise<Account> {
    const canonical = await this.canonicalDomain(domain);
    const account =
      canonical === null || !isValid(() => checkLocalPart(name))
        ? null
        : await this.directory.getAccount({ domain: canonical, name });
    if (!account) throw await this.userNotFound(domain, name);
    return account;
  }

  /** user-not-found for `name@domain`, with viaAliasDomain set when `domain` is an alias domain. */
  private async userNotFound(domain: string, name: string): Promise<DirectoryAdminError> {
    const canonical = await this.canonicalDomain(domain);
    const viaAlias = canonical !== null && canonical !== domain.toLowerCase();
    return new DirectoryAdminError('user-not-found', `${name}@${domain}`, viaAlias);
  }

  async setPassword(domain: string, name: string, password: string): Promise<void> {
    const account = await this.findUser(domain, name);
    await this.storage.accounts.setCredential(keyOf(account), await this.credentials.forPassword(password));
  }

  /** Throws user-not-found or wrong-password. */
  async checkPassword(domain: string, name: string, password: string): Promise<void> {
    const account = await this.findUser(domain, name);
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
  async listUsers(
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

  /** Accounts per local domain whose name matches the pattern, in domain order. */
  async countUsers(domainPattern: string): Promise<[string, number][]> {
    const counts: [string, number][] = [];
    for (const domain of await this.listDomains()) {
      if (wildMatches(domain, domainPattern)) {
        counts.push([domain, await this.storage.accounts.countAccounts({ domain })]);
      }
    }
    return counts;
  }

  async userVars(domain: string, name: string): Promise<[string, string][]> {
    return (await this.findUser(domain, name)).vars;
  }

  /** Sets variables in place (new ones at the end); a null value removes the variable. */
  async setUserVars(
    domain: string,
    name: string,
    changes: readonly [string, string | null][],
  ): Promise<void> {
    const account = await this.findUser(domain, name);
    const vars = new Map(account.vars);
    for (const [variable, value] of changes) {
      if (value === null) vars.delete(variable);
      else vars.set(variable, value);
    }
    await this.storage.accounts.setVars(keyOf(account), [...vars]);
  }

  /** The account an address (user, alias, wildcard alias, alias domain) reaches, with its usage. */
  async userStat(domain: string, name: string): Promise<UserStat> {
    let account: Account | undefined;
    try {
      const resolution = await this.router.resolve(`${name}@${domain}`);
      if (resolution.kind === 'local') account = resolution.account;
    } catch {
      // An address we cannot parse reaches nobody.
    }
    if (!account) throw await this.userNotFound(domain, name);
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

  private async defaultUserVars(domain: string): Promise<[string, string][]> {
    const [own, root] = userDefaultsPaths(domain);
    const file = (await this.storage.files.readFile(own)) ?? (await this.storage.files.readFile(root));
    if (file === null) return XMAIL_DEFAULT_USER_VARS.map(([name, value]) => [name, value]);
    return parseVarsFile(file.toString('latin1'));
  }

  // ---- alias domains, aliases, external aliases (core/directory/admin/routes.ts) -------------

  addAliasDomain(domain: string, alias: string): Promise<void> {
    return this.routes.addAliasDomain(domain, alias);
  }

  deleteAliasDomain(alias: string): Promise<void> {
    return this.routes.deleteAliasDomain(alias);
  }

  listAliasDomains(): Promise<AliasDomain[]> {
    return this.routes.listAliasDomains();
  }

  addAlias(domain: string, alias: string, account: string): Promise<void> {
    return this.routes.addAlias(domain, alias, account);
  }

  deleteAlias(domain: string, alias: string): Promise<void> {
    return this.routes.deleteAlias(domain, alias);
  }

  listAliases(): Promise<AddressRoute[]> {
    return this.routes.listAliases();
  }

  addExternalAlias(local: string, remote: string): Promise<void> {
    return this.routes.addExternalAlias(local, remote);
  }

  deleteExternalAlias(remote: string): Promise<void> {
    return this.routes.deleteExternalAlias(remote);
  }

  listExternalAliases(): Promise<ExternalAlias[]> {
    return this.routes.listExternalAliases();
  }

  // ---- mailing-list members (core/directory/admin/lists.ts) ----------------------------------

  addMember(domain: string, list: string, address: string, perms: string): Promise<void> {
    return this.lists.addMember(domain, list, address, perms);
  }

  removeMember(domain: string, list: string, address: string): Promise<void> {
    return this.lists.removeMember(domain, list, address);
  }

  listMembers(domain: string, list: string): Promise<ListMember[]> {
    return this.lists.listMembers(domain, list);
  }

  // ---- POP3 links (core/directory/admin/pop3-links.ts) ---------------------------------------

  addPop3Link(link: NewPop3Link): Promise<void> {
    return this.pop3Links.addPop3Link(link);
  }

  deletePop3Link(local: AccountKey, remoteDomain: string, remoteUser: string): Promise<void> {
    return this.pop3Links.deletePop3Link(local, remoteDomain, remoteUser);
  }

  setPop3LinksEnabled(
    enabled: boolean,
    local: AccountKey,
    remoteDomain?: string,
    remoteUser?: string,
  ): Promise<void> {
    return this.pop3Links.setPop3LinksEnabled(enabled, local, remoteDomain, remoteUser);
  }

  listPop3Links(localDomain?: string, localUser?: string): Promise<Pop3LinkView[]> {
    return this.pop3Links.listPop3Links(localDomain, localUser);
  }

  // ---- configuration files of the mail root --------------------------------------------------

  /**
   * The mailproc.tab files of the user, domain file first, each only when asked for and present;
   * null when none of them exists.
   */
  async readMailproc(
    domain: string,
    name: string,
    scopes: ReadonlySet<MailprocScope>,
  ): Promise<Buffer | null> {
    await this.requireHandledDomain(domain);
    const key = keyOf(await this.findUser(domain, name));
    const parts: Buffer[] = [];
    for (const scope of ['domain', 'user'] as const) {
      if (!scopes.has(scope)) continue;
      const file = await this.storage.files.readFile(mailprocPath(key, scope));
      if (file !== null) parts.push(file);
    }
    return parts.length > 0 ? Buffer.concat(parts) : null;
  }

  /** Checks the user before the caller collects content for writeMailproc. */
  async mailprocTarget(domain: string, name: string, scope: MailprocScope): Promise<string> {
    await this.requireHandledDomain(domain);
    return mailprocPath(keyOf(await this.findUser(domain, name)), scope);
  }
}

/** `"name"\t"value"` lines as XMail writes user.tab/userdef.tab. */
function parseVarsFile(text: string): [string, string][] {
  return parseTabFile(text)
    .filter((fields) => fields.length >= 2)
    .map(([name, value]): [string, string] => [name, value]);
}

/** An empty pattern (filter not given) matches everything. */
function wildMatches(subject: string, pattern: string): boolean {
  return pattern === '' || wildMatchIgnoreCase(subject, pattern);
}
