/**
 * Test set-up of domains and accounts through the admin services (core/directory/admin/), so a
 * test's accounts follow the same rules, and get the same default variables, as ones an admin
 * protocol creates.
 */
import type { DependencyContainer } from 'tsyringe';
import { AccountAdminToken, DomainAdminToken, type Account } from '../../core/index.js';
import { accountKeyOf } from '../../core/model/names.js';

export interface DirectorySetup {
  addDomain(name: string): Promise<void>;
  /** `alias` becomes another name of the local domain `domain`. */
  addAliasDomain(alias: string, domain: string): Promise<void>;
  addUser(address: string, password: string): Promise<Account>;
}

export function directorySetup(container: DependencyContainer): DirectorySetup {
  const domains = container.resolve(DomainAdminToken);
  const accounts = container.resolve(AccountAdminToken);
  return {
    addDomain: (name) => domains.add(name),
    addAliasDomain: (alias, domain) => domains.addAlias(domain, alias),
    addUser: (address, password) => {
      const { domain, name } = accountKeyOf(address);
      return accounts.add(domain, name, password);
    },
  };
}
