import type { InjectionToken } from 'tsyringe';
import type { Account, AccountKey, AddressRoute, AliasDomain } from '../model/directory.js';
import { isMailingList } from '../model/account-kind.js';
import type { Storage } from '../ports/storage.js';

/**
 * The directory as the mail path reads it: the lookups the router and the login service need.
 * Changes go through the admin services (core/directory/admin/). It keeps no state of its own, so
 * every process sees the same directory.
 */
export class DirectoryService {
  constructor(private readonly storage: Storage) {}

  /**
   * The account `key` names when it is one that may log in, else null: mailing lists (XMail `M`,
   * AltaVista ClientType MailingList) never log in, over any protocol.
   */
  async loginAccount(key: AccountKey): Promise<Account | null> {
    const account = await this.storage.accounts.getAccount(key);
    return account && !isMailingList(account) ? account : null;
  }

  /** Case-insensitive on the name. */
  getAccount(key: AccountKey): Promise<Account | null> {
    return this.storage.accounts.getAccount(key);
  }

  async isLocalDomain(domain: string): Promise<boolean> {
    return (await this.storage.domains.getDomain(domain)) !== null;
  }

  aliasDomains(): Promise<AliasDomain[]> {
    return this.storage.domains.listAliasDomains();
  }

  /** Routes of `domain`, or of every local domain when `domain` is `*`. */
  routesForDomain(domain: string): Promise<AddressRoute[]> {
    return this.storage.routes.routesForDomain(domain);
  }
}

/** The kernel's DirectoryService (registered by core-services.ts once storage is open). */
export const DirectoryServiceToken = Symbol.for(
  'mailwright.DirectoryService',
) as InjectionToken<DirectoryService>;
