/**
 * The internal entry the built-in plugins use: the public API (public.ts, what `mailwright` gives
 * third-party plugins) and the services, delivery internals and helpers only built-ins may rely on.
 */
export * from './public.js';
export { HookBus, HOOK_FAILURE_CODE, type HookOutcome } from './kernel/hooks.js';
export { type AnnouncedListener } from './kernel/kernel.js';
export { Metrics, type MessageOutcome } from './runtime/metrics.js';
export type { RedisService } from './runtime/redis.js';
export { DirectoryService, DirectoryServiceToken } from './directory/directory-service.js';
export { Router, RouterToken, type Resolution } from './routing/router.js';
export { AdminService } from './directory/admin-service.js';
export { SecretBox, hashPassword, sameSecret, verifyPassword } from './runtime/secrets.js';
export { CredentialService, CredentialServiceToken, type HashCheck } from './directory/credentials.js';
export {
  LockoutService,
  LOGIN_PROTOCOLS,
  LoginProtocols,
  type LoginProtocol,
  type LoginVerdict,
  type LockoutSettings,
} from './directory/lockouts.js';
export {
  LoginService,
  LoginServiceToken,
  type CredentialCheck,
  type AuthVeto,
  type LoginAttempt,
  type LoginClient,
  type LoginRefusal,
  type LoginResult,
} from './directory/login-service.js';
export {
  allowPlaintext,
  listenerPlaintextSettings,
  plaintextAuthSetting,
  plaintextSettingsOf,
  type ClientChannel,
  type PlaintextSettings,
  type PluginPlaintextSettings,
} from './directory/login-policy.js';
export { DEFAULT_ENABLE_RULES, switchVar, type EnableRule } from './directory/login-enables.js';
export {
  AccountAdminToken,
  AdminServiceToken,
  DomainAdminToken,
  ListAdminToken,
  LockoutServiceToken,
  MailRootFilesToken,
  Pop3LinkAdminToken,
  RouteAdminToken,
  SecretBoxToken,
} from './kernel/core-services.js';
export { loadTlsContext, type TlsFiles } from './runtime/tls.js';
export * from './directory/admin/index.js';
export * from './ports/frozen-queue.js';
export * from './ports/delivery-queue.js';
export * from './delivery/retry-schedule.js';
export { analyseMime, MimeStructureStream } from './mime/structure-stream.js';
export {
  appendStoredBody,
  appendToFolder,
  storeMessageBody,
  type StoredBody,
} from './delivery/folder-append.js';
export { readTraceFields, type TraceFields } from './mime/header-fields.js';
export * from './delivery/spool.js';
export { type Lookup } from './routing/router.js';
export * from './delivery/delivery-expander.js';
export * from './delivery/delivery-policy.js';
export * from './delivery/mailproc.js';
export * from './delivery/mailproc-macros.js';
export * from './delivery/mailproc-program.js';
export * from './model/tab-lines.js';
export * from './routing/custom-domains.js';
export * from './delivery/dsn.js';
export * from './routing/wildmatch.js';
export * from './net/index.js';
