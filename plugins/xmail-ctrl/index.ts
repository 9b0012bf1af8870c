/**
 * XMail CTRL: the controller admin protocol, wire-compatible with XMail 1.27 (spec
 * /work/shared/specs/xmail-ctrl.md), on `xmail-ctrl` (plain, `#!TLS` upgrade) and `xmail-ctrls`
 * (TLS from the first byte). Every command works on the shared directory and mail root.
 */
import { createSecureContext } from 'node:tls';
import {
  AdminServiceToken,
  definePlugin,
  AccountAdminToken,
  DomainAdminToken,
  ListAdminToken,
  MailRootFilesToken,
  Pop3LinkAdminToken,
  RouteAdminToken,
  FrozenQueueToken,
  loadTlsContext,
  LoginServiceToken,
  openPluginListeners,
} from '../../core/index.js';
import { CTRL_LISTENERS, ctrlConfigSchema, type CtrlConfig } from './config.js';
import { formatErrorLine } from './protocol/index.js';
import { CtrlSession, type CtrlSessionServices } from './session.js';

const VERSION = '0.1.0';

export default definePlugin<CtrlConfig>({
  name: 'xmail-ctrl',
  version: VERSION,
  needs: ['storage', 'redis'],
  listeners: CTRL_LISTENERS,
  configSchema: ctrlConfigSchema,
  async start(ctx) {
    if (!ctx.runs('front')) return;
    const { container, config } = ctx;
    const tlsOptions = await loadTlsContext(ctx.home, config.tls);
    const secureContext = createSecureContext(tlsOptions);
    const services: CtrlSessionServices = {
      commands: {
        domains: container.resolve(DomainAdminToken),
        accounts: container.resolve(AccountAdminToken),
        routes: container.resolve(RouteAdminToken),
        lists: container.resolve(ListAdminToken),
        pop3Links: container.resolve(Pop3LinkAdminToken),
        files: container.resolve(MailRootFilesToken),
        // Optional: registered (before any plugin starts) only when a queue plugin is loaded.
        frozenQueue: container.isRegistered(FrozenQueueToken)
          ? container.resolve(FrozenQueueToken)
          : undefined,
      },
      admins: container.resolve(AdminServiceToken),
      login: container.resolve(LoginServiceToken),
      settings: config,
      logger: ctx.logger,
      metrics: ctx.metrics,
      appNameVersion: `Mailwright ${VERSION}`,
      idleTimeoutMs: config.idleTimeoutSeconds * 1000,
      startTls: config.startTls ? secureContext : undefined,
    };

    const busy = formatErrorLine('SERVER_BUSY');
    // Closing a listener ends its sessions at once (see CtrlSession.run), like XMail's server stop.
    return openPluginListeners(ctx, {
      protocol: 'xmail-ctrl',
      listeners: [{ name: 'xmail-ctrl' }, { name: 'xmail-ctrls', tls: secureContext }],
      replies: { total: busy, 'per-address': busy, failure: busy },
      handler: (connection, listener) => new CtrlSession(connection, listener, services).run(),
    });
  },
});
