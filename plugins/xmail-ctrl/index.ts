/**
 * XMail CTRL: the controller admin protocol, wire-compatible with XMail 1.27 (spec
 * /work/shared/specs/xmail-ctrl.md), on `xmail-ctrl` (plain, `#!TLS` upgrade) and `xmail-ctrls`
 * (TLS from the first byte). Every command works on the shared directory and mail root.
 */
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createSecureContext, createServer as createTlsServer } from 'node:tls';
import {
  AdminServiceToken,
  definePlugin,
  DirectoryAdmin,
  DirectoryServiceToken,
  FrozenQueueToken,
  loadTlsContext,
  LockoutServiceToken,
  RouterToken,
  SecretBoxToken,
  Tokens,
  type ListenerName,
} from '../../core/index.js';
import { ctrlConfigSchema, type CtrlConfig } from './config.js';
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

    const sessions = new Set<CtrlSession>();
    const serve = (socket: Socket): void => {
      // Listings are written line by line: without this, Nagle's algorithm stalls them on ACKs.
      socket.setNoDelay(true);
      ctx.metrics.connections.inc({ protocol: 'xmail-ctrl' });
      const session = new CtrlSession(socket, services);
      sessions.add(session);
      void session.run().finally(() => sessions.delete(session));
    };
    const servers: Server[] = [];
    const listen = async (name: ListenerName, server: Server): Promise<void> => {
      const { host, port } = ctx.listenAddress(name);
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
      server.on('error', (err) => ctx.logger.error({ err, listener: name }, 'CTRL listener error'));
      servers.push(server);
      ctx.announce(name, { host, port: (server.address() as AddressInfo).port });
    };
    const stopServers = async (): Promise<void> => {
      await Promise.all(
        servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
      );
    };
    try {
      await listen('xmail-ctrl', createTcpServer(serve));
      const tlsServer = createTlsServer({ ...tlsOptions }, serve);
      tlsServer.on('tlsClientError', (err) => ctx.logger.debug({ err }, 'CTRLS handshake failed'));
      await listen('xmail-ctrls', tlsServer);
    } catch (err) {
      await stopServers();
      throw err;
    }
    const dropSessions = (): void => sessions.forEach((session) => session.close());
    ctx.shutdownSignal.addEventListener('abort', dropSessions);

    return async () => {
      // Admin sessions are short; ending them at once keeps shutdown fast, like XMail's server stop.
      dropSessions();
      await stopServers();
      ctx.shutdownSignal.removeEventListener('abort', dropSessions);
    };
  },
});
