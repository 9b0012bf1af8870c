/**
 * XMail CTRL: the controller admin protocol, wire-compatible with XMail 1.27 (spec
 * /work/shared/specs/xmail-ctrl.md), on `xmail-ctrl` (plain, `#!TLS` upgrade) and `xmail-ctrls`
 * (TLS from the first byte). Every command works on the shared directory and mail root.
 */
import { createSecureContext } from 'node:tls';
import {
  AdminServiceToken,
  connectionLimitsOf,
  definePlugin,
  DirectoryAdmin,
  DirectoryServiceToken,
  FrozenQueueToken,
  loadTlsContext,
  LockoutServiceToken,
  openTcpListener,
  RouterToken,
  SecretBoxToken,
  Tokens,
  type TcpListener,
} from '../../core/index.js';
import { ctrlConfigSchema, type CtrlConfig } from './config.js';
import { formatErrorLine } from './protocol/index.js';
import { CtrlSession, type CtrlSessionServices } from './session.js';

const VERSION = '0.1.0';

export default definePlugin<CtrlConfig>({
  name: 'xmail-ctrl',
  version: VERSION,
  needs: ['storage', 'redis'],
  listeners: ['xmail-ctrl', 'xmail-ctrls'],
  configSchema: ctrlConfigSchema,
  async start(ctx) {
    if (!ctx.runs('front')) return;
    const { container, config } = ctx;
    const tlsOptions = await loadTlsContext(ctx.home, config.tls);
    const secureContext = createSecureContext(tlsOptions);
    const services: CtrlSessionServices = {
      commands: {
        admin: new DirectoryAdmin(
          container.resolve(Tokens.Storage),
          container.resolve(DirectoryServiceToken),
          container.resolve(RouterToken),
          container.resolve(SecretBoxToken),
        ),
        // Resolved per command: the queue plugin may register it after this plugin starts.
        frozenQueue: () =>
          container.isRegistered(FrozenQueueToken) ? container.resolve(FrozenQueueToken) : undefined,
      },
      admins: container.resolve(AdminServiceToken),
      lockouts: container.isRegistered(LockoutServiceToken)
        ? container.resolve(LockoutServiceToken)
        : undefined,
      logger: ctx.logger,
      metrics: ctx.metrics,
      appNameVersion: `Mailwright ${VERSION}`,
      idleTimeoutMs: config.idleTimeoutSeconds * 1000,
      startTls: config.startTls ? secureContext : undefined,
    };

    const limits = connectionLimitsOf(config);
    const busy = formatErrorLine('SERVER_BUSY');
    const listeners: TcpListener[] = [];
    const closeListeners = async (): Promise<void> => {
      await Promise.all(listeners.map((listener) => listener.close()));
    };
    try {
      for (const name of ['xmail-ctrl', 'xmail-ctrls'] as const) {
        const listener = await openTcpListener({
          protocol: 'xmail-ctrl',
          where: ctx.listenAddress(name),
          tls: name === 'xmail-ctrls' ? secureContext : undefined,
          tlsHandshakeTimeoutMs: config.tlsHandshakeTimeoutSeconds * 1000,
          limits,
          replies: { total: busy, 'per-address': busy, failure: busy },
          metrics: ctx.metrics,
          logger: ctx.logger,
          handler: (connection) => new CtrlSession(connection, services).run(),
        });
        listeners.push(listener);
        ctx.announce(name, listener.address);
      }
    } catch (err) {
      await closeListeners();
      throw err;
    }
    // Closing a listener ends its sessions at once (see CtrlSession.run); this is for a session
    // whose client does not read its last line.
    const drop = (): void => listeners.forEach((listener) => listener.destroyAll());
    ctx.shutdownSignal.addEventListener('abort', drop);

    return async () => {
      await closeListeners();
      ctx.shutdownSignal.removeEventListener('abort', drop);
    };
  },
});
