import type { DependencyContainer, InjectionToken } from 'tsyringe';
import type { Storage } from '../ports/storage.js';
import { DirectoryService, DirectoryServiceToken } from '../directory/directory-service.js';
import { AdminService } from '../directory/admin-service.js';
import { CredentialService, CredentialServiceToken } from '../directory/credentials.js';
import { DEFAULT_LOCKOUT_SETTINGS, LockoutService, type LockoutSettings } from '../directory/lockouts.js';
import { LoginService, LoginServiceToken } from '../directory/login-service.js';
import {
  createAdminServices,
  type AccountAdmin,
  type DomainAdmin,
  type ListAdmin,
  type MailRootFiles,
  type Pop3LinkAdmin,
  type RouteAdmin,
} from '../directory/admin/index.js';
import { Router, RouterToken } from '../routing/router.js';
import type { RedisService } from '../runtime/redis.js';
import { SecretBox } from '../runtime/secrets.js';
import { Tokens } from './tokens.js';

export const SecretBoxToken = Symbol.for('mailwright.SecretBox') as InjectionToken<SecretBox>;
export const AdminServiceToken = Symbol.for('mailwright.AdminService') as InjectionToken<AdminService>;
// The admin services, one per entity, that every admin protocol (XMail CTRL, AltaVista) calls.
export const DomainAdminToken = Symbol.for('mailwright.DomainAdmin') as InjectionToken<DomainAdmin>;
export const AccountAdminToken = Symbol.for('mailwright.AccountAdmin') as InjectionToken<AccountAdmin>;
export const MailRootFilesToken = Symbol.for('mailwright.MailRootFiles') as InjectionToken<MailRootFiles>;
export const RouteAdminToken = Symbol.for('mailwright.RouteAdmin') as InjectionToken<RouteAdmin>;
export const Pop3LinkAdminToken = Symbol.for('mailwright.Pop3LinkAdmin') as InjectionToken<Pop3LinkAdmin>;
export const ListAdminToken = Symbol.for('mailwright.ListAdmin') as InjectionToken<ListAdmin>;
export const LockoutServiceToken = Symbol.for('mailwright.LockoutService') as InjectionToken<LockoutService>;

/**
 * The protocol-neutral services every plugin shares, built once per kernel over its storage and
 * Redis. They keep no state of their own: everything lives in storage and Redis, so any number of
 * processes see the same directory, credentials and lockouts.
 */
export async function registerCoreServices(
  container: DependencyContainer,
  infrastructure: {
    home: string;
    storage?: Storage;
    redis?: RedisService;
    legacySecrets: boolean;
    lockout?: LockoutSettings;
  },
): Promise<void> {
  const secrets = await SecretBox.forHome(infrastructure.home);
  container.registerInstance(SecretBoxToken, secrets);
  const credentials = new CredentialService(secrets, infrastructure.legacySecrets);
  container.registerInstance(CredentialServiceToken, credentials);
  const { storage, redis } = infrastructure;
  if (!storage) return;
  const directory = new DirectoryService(storage);
  container.registerInstance(DirectoryServiceToken, directory);
  const router = new Router(directory);
  container.registerInstance(RouterToken, router);
  const admin = createAdminServices(storage, router, credentials, secrets);
  container.registerInstance(DomainAdminToken, admin.domains);
  container.registerInstance(AccountAdminToken, admin.accounts);
  container.registerInstance(RouteAdminToken, admin.routes);
  container.registerInstance(ListAdminToken, admin.lists);
  container.registerInstance(Pop3LinkAdminToken, admin.pop3Links);
  container.registerInstance(MailRootFilesToken, admin.files);
  container.registerInstance(AdminServiceToken, new AdminService(storage.admins, secrets));
  let lockouts: LockoutService | undefined;
  if (redis) {
    const settings = infrastructure.lockout ?? DEFAULT_LOCKOUT_SETTINGS;
    lockouts = new LockoutService(redis.client(), storage.events, settings);
    container.registerInstance(LockoutServiceToken, lockouts);
  }
  const login = new LoginService(
    directory,
    credentials,
    lockouts,
    container.resolve(Tokens.Hooks),
    storage.accounts,
    container.resolve(Tokens.Logger),
  );
  container.registerInstance(LoginServiceToken, login);
}
