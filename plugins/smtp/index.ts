import {
  ConnectionLimits,
  DeliveryQueueToken,
  FrozenQueueToken,
  RouterToken,
  definePlugin,
  DeliveryPolicy,
  loadTlsContext,
  LoginServiceToken,
  NetworkList,
  Tokens,
} from '../../core/index.js';
import { SMTP_LISTENER_DEFAULTS, SMTP_LISTENERS, smtpConfigSchema, type SmtpConfig } from './config.js';
import { openSmtpListener, type OpenListener } from './listener.js';

/**
 * The SMTP server on three listeners: `smtp` (MX and trusted senders; AUTH optional),
 * `submission` (AUTH required, STARTTLS) and `smtps` (submission over implicit TLS). Accepted messages are spooled and handed to the delivery queue
 * before the 250 reply.
 */
export default definePlugin<SmtpConfig>({
  name: 'smtp',
  version: '0.1.0',
  needs: ['storage', 'redis'],
  dependsOn: ['queue'],
  listeners: SMTP_LISTENER_DEFAULTS,
  configSchema: smtpConfigSchema,
  async start(ctx) {
    // SMTP listeners belong to front processes; a worker only delivers.
    if (!ctx.runs('front')) return;
    const storage = ctx.container.resolve(Tokens.Storage);
    const trusted = new NetworkList(ctx.config.trustedNetworks);
    const services = {
      config: ctx.config,
      router: ctx.container.resolve(RouterToken),
      queue: ctx.container.resolve(DeliveryQueueToken),
      frozen: ctx.container.resolve(FrozenQueueToken),
      blobs: storage.blobs,
      files: storage.files,
      policy: new DeliveryPolicy(storage.mail),
      accounts: storage.accounts,
      login: ctx.container.resolve(LoginServiceToken),
      server: ctx.container.resolve(Tokens.ServerSettings),
      hooks: ctx.hooks,
      metrics: ctx.metrics,
      logger: ctx.logger,
      trusted,
      limits: new ConnectionLimits({
        maxConnections: ctx.config.maxConnections,
        maxConnectionsPerAddress: ctx.config.maxConnectionsPerIp,
        trusted,
      }),
      tls: await loadTlsContext(ctx.home, ctx.config.tls),
    };
    const open: OpenListener[] = [];
    const closeAll = async (): Promise<void> => {
      await Promise.all(open.map((listener) => listener.close()));
    };
    try {
      for (const name of SMTP_LISTENERS) {
        const listener = await openSmtpListener(name, ctx.listenAddress(name), services);
        open.push(listener);
        ctx.announce(name, listener.address);
      }
    } catch (err) {
      await closeAll();
      throw err;
    }
    const drop = (): void => open.forEach((listener) => listener.dropSessions());
    ctx.shutdownSignal.addEventListener('abort', drop);
    return async () => {
      await closeAll();
      ctx.shutdownSignal.removeEventListener('abort', drop);
    };
  },
});
