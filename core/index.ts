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
export { LISTENER_NAMES, type ListenerName, type ListenAddress } from './config/listen.js';
export { Metrics, type MessageOutcome } from './services/metrics.js';
export type { RedisService } from './services/redis.js';
export { DirectoryService, DirectoryServiceToken } from './services/accounts.js';
export { Router, RouterToken, type Resolution } from './services/router.js';
export { AdminService } from './services/admins.js';
export { SecretBox, hashPassword, sameSecret, verifyPassword } from './services/secrets.js';
export { CredentialService, CredentialServiceToken, type HashCheck } from './services/credentials.js';
export {
  LockoutService,
  LOGIN_PROTOCOLS,
  LoginProtocols,
  type LoginProtocol,
  type LoginVerdict,
  type LockoutSettings,
} from './services/lockouts.js';
export { logIn, type CredentialCheck, type LoginAttempt, type LoginResult } from './services/login.js';
export { AdminServiceToken, LockoutServiceToken, SecretBoxToken } from './services/core-services.js';
export { loadTlsContext, type TlsFiles } from './services/tls.js';
export * from './services/directory-admin.js';
export * from './services/frozen-queue.js';
export * from './services/delivery-queue.js';
export * from './services/retry-schedule.js';
export { analyseMime, MimeStructureStream } from './services/mime-structure.js';
export { appendToFolder } from './services/folder-append.js';
export { readTraceFields, type TraceFields } from './services/mime/header-fields.js';
export * from './services/spool.js';
export { z } from 'zod';
export { type Lookup } from './services/router.js';
export * from './services/expansion.js';
export * from './services/delivery-policy.js';
export * from './services/mailproc.js';
export * from './services/mailproc-macros.js';
export * from './services/mailproc-program.js';
export * from './services/tab-lines.js';
export * from './services/custom-domains.js';
export * from './services/dsn.js';
export * from './net/index.js';
