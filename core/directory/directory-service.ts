import type { InjectionToken } from 'tsyringe';
import type { Account, AccountKey, AddressRoute, AliasDomain, Domain } from '../model/directory.js';
import { isMailingList } from '../model/account-kind.js';
import { accountKeyOf, checkDomain, InvalidNameError, splitAddress } from '../model/names.js';
import type { Storage } from '../ports/storage.js';
import type { CredentialService } from './credentials.js';

/**
 * The directory as the mail path and the admin protocols use it: domains, users and their
 * credentials, and the lookups the router needs. Names are validated here, before any adapter
 * sees them. It keeps no state of its own, so every process sees the same directory.
 */
export class DirectoryService {
  constructor(
    private readonly storage: Storage,
    readonly credentials: CredentialService,
  ) {}

  async addDomain(name: string): Promise<Domain> {
    return this.storage.domains.addDomain(checkDomain(name));
  }

  /** `alias` may be a wildcard such as `*.example.org`; `domain` must be a local domain. */
  async addAliasDomain(alias: string, domain: string): Promise<void> {
    await this.storage.domains.addAliasDomain({
      alias: checkDomain(alias, { wildcard: true }),
      domain: checkDomain(domain),
    });
  }

  /** Creates a user (with its INBOX); the password is kept as the installation's setting says. */
  async addUser(address: string, password: string): Promise<Account> {
    if (password.length === 0) throw new Error('the password must not be empty');
    const { local, domain } = splitAddress(address);
    return this.storage.accounts.addAccount({
      domain,
      name: local,
      kind: 'user',
      credential: await this.credentials.forPassword(password),
      vars: [],
    });
  }

  /**
   * The account whose credentials these are, or null. An unknown address, a mailing list, an
   * account without a password and a wrong password all answer null, and take as long (one scrypt
   * each), so callers cannot tell them apart.
   */
  async authenticate(address: string, password: string): Promise<Account | null> {
    let account: Account | null = null;
    try {
      account = await this.loginAccount(accountKeyOf(address));
    } catch (err) {
      if (!(err instanceof InvalidNameError)) throw err;
    }
    return (await this.credentials.verify(account, password)) ? account : null;
  }

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
