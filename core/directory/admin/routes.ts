/**
 * Address routes: aliases (`alias@domain` delivers to an account) and external aliases (mail a
 * local account receives under a remote address). Alias domains are domains.ts's.
 */
import type { Account, AddressRoute, ExternalAlias } from '../../model/directory.js';
import { checkDomain } from '../../model/names.js';
import type { AccountStore } from '../../ports/account-store.js';
import type { RouteStore } from '../../ports/route-store.js';
import {
  DirectoryAdminError,
  isValid,
  keyOf,
  translate,
  validAddressKey,
  validDomain,
  validLocalPart,
} from './errors.js';

/** How routes and lists find the account they name (accounts.ts). */
export interface AccountFinder {
  /** @throws DirectoryAdminError user-not-found */
  find(domain: string, name: string): Promise<Account>;
}

export class RouteAdmin {
  constructor(
    private readonly routes: RouteStore,
    private readonly accountStore: Pick<AccountStore, 'getAccount'>,
    private readonly accounts: AccountFinder,
  ) {}

  // ---- aliases -------------------------------------------------------------------------------

  /**
   * `alias@domain` (alias and domain may hold `*`/`?`) delivers to `account` (`name` in the same
   * domain or `name@domain`), which must exist. The domain need not be local. The account is kept
   * as given too, for listings (XMail shows it back verbatim).
   */
  async addAlias(domain: string, alias: string, account: string): Promise<void> {
    const at = account.lastIndexOf('@');
    const target = await this.accounts.find(
      at < 0 ? domain : account.slice(at + 1),
      at < 0 ? account : account.slice(0, at),
    );
    const domainName = validDomain(domain);
    const local = validLocalPart(alias, true);
    if (await this.accountStore.getAccount({ domain: domainName, name: local })) {
      throw new DirectoryAdminError('user-exists', `${local}@${domainName}`);
    }
    try {
      await this.routes.addRoute({
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
    const route = await findAliasRoute(this.routes, domain.toLowerCase(), alias);
    if (route === undefined) throw new DirectoryAdminError('alias-not-found', `${alias}@${domain}`);
    await this.routes
      .deleteRoute(route.domain, route.local)
      .catch((err: unknown) => Promise.reject(translate(err, 'alias-not-found', 'alias-not-found')));
  }

  /** Every XMail alias (AltaVista usernames excluded), in insertion order. */
  async listAliases(): Promise<AddressRoute[]> {
    return (await this.routes.listRoutes()).filter((route) => route.origin === 'alias');
  }

  // ---- external aliases ----------------------------------------------------------------------

  /** Mail the local account receives as `remote` (the local account is not checked, as in XMail). */
  async addExternalAlias(local: string, remote: string): Promise<void> {
    const alias: ExternalAlias = { local: validAddressKey(local), remote: validAddressKey(remote) };
    try {
      await this.routes.addExternalAlias(alias);
    } catch (err) {
      throw translate(err, 'external-alias-exists');
    }
  }

  async deleteExternalAlias(remote: string): Promise<void> {
    const key = validAddressKey(remote);
    try {
      await this.routes.deleteExternalAlias(key.domain, key.name);
    } catch (err) {
      throw translate(err, 'external-alias-not-found', 'external-alias-not-found');
    }
  }

  listExternalAliases(): Promise<ExternalAlias[]> {
    return this.routes.listExternalAliases();
  }
}

/** The alias `local@domain` (case-insensitive on the local part), if any. */
export async function findAliasRoute(
  routes: Pick<RouteStore, 'routesForDomain'>,
  domain: string,
  local: string,
): Promise<AddressRoute | undefined> {
  return (await routes.routesForDomain(domain)).find(
    (route) => route.origin === 'alias' && route.local.toLowerCase() === local.toLowerCase(),
  );
}
