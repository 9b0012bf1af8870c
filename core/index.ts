/** The public API for plugin authors and embedding applications: `import { definePlugin } from 'mailwright'`. */
export * from './model/index.js';
export * from './ports/index.js';
export {
  definePlugin,
  type Plugin,
  type PluginContext,
  type Role,
  type KernelService,
  type StopHandler,
} from './kernel/plugin.js';
export * from './kernel/hooks.js';
export { Kernel, PluginStartError, type KernelOptions, type AnnouncedListener } from './kernel/kernel.js';
export { KernelError } from './kernel/plugin-order.js';
export { Tokens } from './kernel/tokens.js';
export { ConfigError } from './config/errors.js';
export { loadConfigFile } from './config/load.js';
export type { MailwrightConfig } from './config/schema.js';
export type { StandardSchemaV1 } from './config/standard-schema.js';
export type { ListenAddress, ListenerDeclaration } from './config/listen.js';
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
  plaintextAuthSetting,
  type ClientChannel,
  type PlaintextSettings,
} from './directory/login-policy.js';
export { DEFAULT_ENABLE_RULES, switchVar, type EnableRule } from './directory/login-enables.js';
export {
  AdminServiceToken,
  DirectoryAdminToken,
  ListAdminToken,
  LockoutServiceToken,
  MailRootFilesToken,
  Pop3LinkAdminToken,
  RouteAdminToken,
  SecretBoxToken,
} from './kernel/core-services.js';
export { loadTlsContext, type TlsFiles } from './runtime/tls.js';
export * from './directory/directory-admin.js';
export * from './ports/frozen-queue.js';
export * from './ports/delivery-queue.js';
export * from './delivery/retry-schedule.js';
export { analyseMime, MimeStructureStream } from './mime/structure-stream.js';
export { appendToFolder } from './delivery/folder-append.js';
export { readTraceFields, type TraceFields } from './mime/header-fields.js';
export * from './delivery/spool.js';
export { z } from 'zod';
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
