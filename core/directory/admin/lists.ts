/** Mailing-list members: addresses with their permissions (R receives, W may post, A ...). */
import type { Account, ListMember } from '../../model/directory.js';
import type { AccountStore } from '../../ports/account-store.js';
import { DirectoryAdminError, keyOf, translate, validAddressKey } from './errors.js';
import type { DomainAdmin } from './domains.js';
import type { AccountFinder } from './routes.js';

export class ListAdmin {
  constructor(
    private readonly store: Pick<AccountStore, 'addMember' | 'removeMember' | 'listMembers'>,
    private readonly accounts: AccountFinder,
    private readonly domains: Pick<DomainAdmin, 'requireHandled'>,
  ) {}

  /** `perms` is stored verbatim (R, W, A combinations; XMail does not check them). */
  async addMember(domain: string, list: string, address: string, perms: string): Promise<void> {
    await this.domains.requireHandled(domain);
    validAddressKey(address);
    const account = await this.findList(domain, list);
    try {
      await this.store.addMember(keyOf(account), { address, perms });
    } catch (err) {
      throw translate(err, 'member-exists', 'user-not-found');
    }
  }

  async removeMember(domain: string, list: string, address: string): Promise<void> {
    await this.domains.requireHandled(domain);
    validAddressKey(address);
    const account = await this.findList(domain, list);
    try {
      await this.store.removeMember(keyOf(account), address);
    } catch (err) {
      throw translate(err, 'member-exists', 'member-not-found');
    }
  }

  async listMembers(domain: string, list: string): Promise<ListMember[]> {
    await this.domains.requireHandled(domain);
    return this.store.listMembers(keyOf(await this.findList(domain, list)));
  }

  private async findList(domain: string, name: string): Promise<Account> {
    const account = await this.accounts.find(domain, name);
    if (account.kind !== 'list') throw new DirectoryAdminError('not-a-list', `${name}@${domain}`);
    return account;
  }
}
