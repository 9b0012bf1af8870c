import tls from 'node:tls';
import {
  connectionLimitsOf,
  CredentialServiceToken,
  definePlugin,
  DirectoryServiceToken,
  loadTlsContext,
  LockoutServiceToken,
  openTcpListener,
  Tokens,
  type TcpListener,
} from '../../core/index.js';
import { pop3ConfigSchema, type Pop3Config } from './config.js';
import { Credentials } from './credentials.js';
import { MessageSizes } from './message-sizes.js';
import { Pop3Session, type Pop3Services } from './session.js';

const LISTENERS = ['pop3', 'pop3s'] as const;

/**
 * The POP3 server (RFC 1939, CAPA RFC 2449, STLS RFC 2595, AUTH RFC 5034) on two listeners:
 * `pop3` (STLS offered) and `pop3s` (implicit TLS). It serves each account's INBOX; deletions
 * happen only in the UPDATE state after QUIT.
 */
export default definePlugin<Pop3Config>({
  name: 'pop3',
  version: '0.1.0',
  needs: ['storage', 'redis'],
  listeners: [...LISTENERS],
  configSchema: pop3ConfigSchema,
  async start(ctx) {
    if (!ctx.runs('front')) return;
    const storage = ctx.container.resolve(Tokens.Storage);
    const redisService = ctx.container.resolve(Tokens.Redis);
    const redis = redisService.client();
    const tlsOptions = await loadTlsContext(ctx.home, ctx.config.tls);
    const services: Pop3Services = {
      config: ctx.config,
      directory: ctx.container.resolve(DirectoryServiceToken),
      lockouts: ctx.container.resolve(LockoutServiceToken),
      credentials: new Credentials(ctx.container.resolve(CredentialServiceToken)),
      storage,
      sizes: new MessageSizes(redis, storage.blobs),
      redis,
      hooks: ctx.hooks,
      metrics: ctx.metrics,
      logger: ctx.logger,
      tls: tls.createSecureContext(tlsOptions),
    };
    const limits = connectionLimitsOf(ctx.config);
    const open: TcpListener[] = [];
    const closeListeners = async (): Promise<void> => {
      await Promise.all(open.map((listener) => listener.close()));
    };
    try {
      for (const name of LISTENERS) {
        const listener = await openTcpListener({
          protocol: 'pop3',
          where: ctx.listenAddress(name),
          tls: name === 'pop3s' ? services.tls : undefined,
          tlsHandshakeTimeoutMs: ctx.config.tlsHandshakeTimeoutSeconds * 1000,
          limits,
          replies: {
            total: '-ERR [SYS/TEMP] too many connections, try again later',
            'per-address': '-ERR [SYS/TEMP] too many connections from your address, try again later',
            failure: '-ERR [SYS/TEMP] internal error, closing the connection; try again later',
          },
          metrics: ctx.metrics,
          logger: ctx.logger,
          handler: (connection) => new Pop3Session(connection, services).run(),
        });
        open.push(listener);
        ctx.announce(name, listener.address);
      }
    } catch (err) {
      await closeListeners();
      throw err;
    }
    // After the drain time, sessions still busy are dropped.
    const drop = (): void => open.forEach((listener) => listener.destroyAll());
    ctx.shutdownSignal.addEventListener('abort', drop);
    return async () => {
      await closeListeners();
      ctx.shutdownSignal.removeEventListener('abort', drop);
    };
  },
});
