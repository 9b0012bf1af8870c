/**
 * What third-party plugins and embedding applications get from `import ... from 'mailwright'`: a
 * deliberate, small surface, documented in the README's "Writing a plugin". Everything here is kept
 * stable; what is not here (the delivery internals, the XMail view, the storage copy ...) may change
 * between versions. Built-in plugins use the wider internal entry, core/index.ts.
 * test/unit/public-api.test.ts pins the list: adding a name is a decision, not an accident.
 */

// Writing a plugin: its shape, its config schema, its hooks.
export {
  definePlugin,
  type Plugin,
  type PluginContext,
  type Role,
  type KernelService,
  type StopHandler,
} from './kernel/plugin.js';
export {
  pass,
  accept,
  reject,
  defer,
  type HookResult,
  type HookPayloads,
  type HookName,
  type HookHandler,
  type HookBus,
  type SmtpEnvelope,
} from './kernel/hooks.js';
export { z } from 'zod';
export type { StandardSchemaV1 } from './config/standard-schema.js';
export type { ListenAddress, ListenerDeclaration } from './config/listen.js';

// The services a plugin resolves from `ctx.container`, and their tokens.
export { Tokens } from './kernel/tokens.js';
export type { ServerSettings } from './kernel/server-settings.js';
export { DirectoryServiceToken, type DirectoryService } from './directory/directory-service.js';
export { RouterToken, type Router, type Resolution } from './routing/router.js';
export {
  LoginServiceToken,
  type LoginService,
  type LoginClient,
  type LoginResult,
  type CredentialCheck,
} from './directory/login-service.js';
export { LoginProtocols, type LoginProtocol } from './directory/lockouts.js';
// Provisioning (a webhook, a sign-up form): domains and accounts with the admin protocols' rules.
export { AccountAdminToken, DomainAdminToken } from './kernel/core-services.js';
export type { AccountAdmin, DomainAdmin } from './directory/admin/index.js';
export { DirectoryAdminError, type DirectoryAdminFailure } from './directory/admin/errors.js';
export { DeliveryQueueToken, type DeliveryQueue, type QueuedMessage } from './ports/delivery-queue.js';
export { FrozenQueueToken, type FrozenQueue, type FrozenMessage } from './ports/frozen-queue.js';
export type { Metrics } from './runtime/metrics.js';
// Reacting to mailbox changes made by any process (a push notification on new mail): hints to re-read.
export {
  MailboxEventsToken,
  type MailboxEvents,
  type MailboxEvent,
  type MailboxEventKind,
  type MailboxEventListener,
} from './mailbox-events/mailbox-event.js';

// A protocol plugin's listeners: caps, TLS, the error boundary, line reading.
export {
  openPluginListeners,
  listenerSettings,
  LineReader,
  type Connection,
  type PluginListenersSpec,
  type ListenerSettings,
  type LineEvent,
} from './net/index.js';

// A storage adapter package: the ports it implements and the model they speak.
export * from './ports/index.js';
export * from './model/index.js';

// Embedding Mailwright in an application.
export { Kernel, PluginStartError, type KernelOptions } from './kernel/kernel.js';
export { KernelError } from './kernel/plugin-order.js';
export { ConfigError } from './config/errors.js';
export { loadConfigFile } from './config/load.js';
export type { MailwrightConfig } from './config/schema.js';
