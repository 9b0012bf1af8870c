/**
 * The administration services the admin protocols (XMail CTRL, AltaVista) call, one per entity.
 * Protocol-neutral: failures are DirectoryAdminError with a reason each protocol maps to its codes.
 */
import type { Storage } from '../../ports/storage.js';
import type { Router } from '../../routing/router.js';
import type { SecretBox } from '../../runtime/secrets.js';
import type { CredentialService } from '../credentials.js';
import { AccountAdmin } from './accounts.js';
import { DomainAdmin } from './domains.js';
import { ListAdmin } from './lists.js';
import { MailRootFiles } from './files.js';
import { Pop3LinkAdmin } from './pop3-links.js';
import { RouteAdmin } from './routes.js';

export * from './errors.js';
export { AccountAdmin, DomainAdmin, ListAdmin, MailRootFiles, Pop3LinkAdmin, RouteAdmin };
export type { UserStat } from './accounts.js';
export type { AccountFinder } from './routes.js';
export type { NewPop3Link, Pop3LinkView } from './pop3-links.js';

export interface AdminServices {
  domains: DomainAdmin;
  accounts: AccountAdmin;
  routes: RouteAdmin;
  lists: ListAdmin;
  pop3Links: Pop3LinkAdmin;
  files: MailRootFiles;
}

/** The admin services over one storage, wired to each other (the kernel registers each one). */
export function createAdminServices(
  storage: Storage,
  router: Router,
  credentials: CredentialService,
  /** Seals POP3 link passwords (they must be replayed to the remote server). */
  secrets: SecretBox,
): AdminServices {
  const domains = new DomainAdmin(storage.domains, router);
  const accounts = new AccountAdmin(storage, domains, credentials, router);
  return {
    domains,
    accounts,
    routes: new RouteAdmin(storage.routes, storage.accounts, accounts),
    lists: new ListAdmin(storage.accounts, accounts, domains),
    pop3Links: new Pop3LinkAdmin(storage.pop3Links, storage.accounts, secrets),
    files: new MailRootFiles(storage.files),
  };
}
