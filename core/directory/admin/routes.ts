/**
 * Address routes: aliases (`alias@domain` delivers to an account), external aliases (mail a local
 * account receives under a remote address) and alias domains (other names of a local domain).
 */
import type { Account, AddressRoute, AliasDomain, ExternalAlias } from '../../model/directory.js';
import { checkDomain } from '../../model/names.js';
import type { Storage } from '../../ports/storage.js';
import type { DirectoryService } from '../directory-service.js';
import {
  DirectoryAdminError,
  isValid,
  keyOf,
  translate,
  validAddressKey,
  validDomain,
  validLocalPart,
} from './errors.js';

/** How routes find the account an alias delivers to (the accounts service). */
export interface AccountFinder {
  /** @throws DirectoryAdminError user-not-found */
  findUser(domain: string, name: string): Promise<Account>;
}

export class RouteAdmin {
  constructor(
    private readonly storage: Pick<Storage, 'routes' | 'domains'>,
    private readonly directory: Pick<DirectoryService, 'isLocalDomain' | 'getAccount' | 'addAliasDomain'>,
    private readonly accounts: AccountFinder,
  ) {}

  // ---- alias domains -------------------------------------------------------------------------

  /**
   * `alias` (maybe a wildcard such as `*.example.org`) becomes another name of the real domain
   * `domain`. An alias that is a real domain or already an alias (exact name) is refused.
   */
  async addAliasDomain(domain: string, alias: string): Promise<void> {
    const real = validDomain(domain);
    const aliasName = validDomain(alias, true);
    if (!(await this.directory.isLocalDomain(real)))
      throw new DirectoryAdminError('domain-not-handled', real);
    if ((await this.directory.isLocalDomain(aliasName)) || (await this.isAliasDomainName(aliasName))) {
      throw new DirectoryAdminError('alias-domain-exists', aliasName);
    }
    try {
      await this.directory.addAliasDomain(aliasName, real);
    } catch (err) {
      throw translate(err, 'alias-domain-exists');
    }
  }

  async deleteAliasDomain(alias: string): Promise<void> {
    if (!isValid(() => checkDomain(alias, { wildcard: true }))) {
      throw new DirectoryAdminError('alias-domain-not-found', alias);
    }
    try {
      await this.storage.domains.deleteAliasDomain(alias.toLowerCase());
    } catch (err) {
      throw translate(err, 'alias-domain-not-found', 'alias-domain-not-found');
    }
  }

  listAliasDomains(): Promise<AliasDomain[]> {
    return this.storage.domains.listAliasDomains();
  }

  /** Whether `name` is exactly the name of an alias domain. */
  async isAliasDomainName(name: string): Promise<boolean> {
    return (await this.storage.domains.listAliasDomains()).some((entry) => entry.alias === name);
  }

  // ---- aliases -------------------------------------------------------------------------------

  /**
   * `alias@domain` (alias and domain may hold `*`/`?`) delivers to `account` (`name` in the same
   * domain or `name@domain`), which must exist. The domain need not be local. The account is kept
   * as given too, for listings (XMail shows it back verbatim).
   */
  async addAlias(domain: string, alias: string, account: string): Promise<void> {
    const at = account.lastIndexOf('@');
    const target = await this.accounts.findUser(
      at < 0 ? domain : account.slice(at + 1),
      at < 0 ? account : account.slice(0, at),
    );
    const domainName = validDomain(domain);
    const local = validLocalPart(alias, true);
    if (await this.directory.getAccount({ domain: domainName, name: local })) {
      throw new DirectoryAdminError('user-exists', `${local}@${domainName}`);
    }
    try {
      await this.storage.routes.addRoute({
        domain: domainName,
        local,
        target: keyOf(target),
        accountAsGiven: account,
        origin: 'alias',
      });
    } catch (err) {
      throw translate(err, 'alias-exists');
    }
  }

  async deleteAlias(domain: string, alias: string): Promise<void> {
    if (!isValid(() => checkDomain(domain)))
      throw new DirectoryAdminError('alias-not-found', `${alias}@${domain}`);
    const route = await this.findAliasRoute(domain.toLowerCase(), alias);
    if (route === undefined) throw new DirectoryAdminError('alias-not-found', `${alias}@${domain}`);
    await this.storage.routes
      .deleteRoute(route.domain, route.local)
      .catch((err: unknown) => Promise.reject(translate(err, 'alias-not-found', 'alias-not-found')));
  }

  /** Every XMail alias (AltaVista usernames excluded), in insertion order. */
  async listAliases(): Promise<AddressRoute[]> {
    return (await this.storage.routes.listRoutes()).filter((route) => route.origin === 'alias');
  }

  /** The XMail alias `local@domain` (case-insensitive on the local part), if any. */
  async findAliasRoute(domain: string, local: string): Promise<AddressRoute | undefined> {
    return (await this.storage.routes.routesForDomain(domain)).find(
      (route) => route.origin === 'alias' && route.local.toLowerCase() === local.toLowerCase(),
    );
  }

  // ---- external aliases ----------------------------------------------------------------------

  /** Mail the local account receives as `remote` (the local account is not checked, as in XMail). */
  async addExternalAlias(local: string, remote: string): Promise<void> {
    const alias: ExternalAlias = { local: validAddressKey(local), remote: validAddressKey(remote) };
    try {
      await this.storage.routes.addExternalAlias(alias);
    } catch (err) {
      throw translate(err, 'external-alias-exists');
    }
  }

  async deleteExternalAlias(remote: string): Promise<void> {
    const key = validAddressKey(remote);
    try {
      await this.storage.routes.deleteExternalAlias(key.domain, key.name);
    } catch (err) {
      throw translate(err, 'external-alias-not-found', 'external-alias-not-found');
    }
  }

  listExternalAliases(): Promise<ExternalAlias[]> {
    return this.storage.routes.listExternalAliases();
  }
}
