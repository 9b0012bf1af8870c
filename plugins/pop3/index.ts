import tls from 'node:tls';
import {
  CredentialServiceToken,
  definePlugin,
  loadTlsContext,
  LoginServiceToken,
  openPluginListeners,
  Tokens,
} from '../../core/index.js';
import { POP3_LISTENERS, pop3ConfigSchema, type Pop3Config } from './config.js';
import { Credentials } from './credentials.js';
import { MessageSizes } from './message-sizes.js';
import { Pop3Session, type Pop3Services } from './session.js';

/**
 * The POP3 server (RFC 1939, CAPA RFC 2449, STLS RFC 2595, AUTH RFC 5034) on two listeners:
 * `pop3` (STLS offered) and `pop3s` (implicit TLS). It serves each account's INBOX; deletions
 * happen only in the UPDATE state after QUIT.
 */
export default definePlugin<Pop3Config>({
  name: 'pop3',
  version: '0.1.0',
  needs: ['storage', 'redis'],
  listeners: POP3_LISTENERS,
  configSchema: pop3ConfigSchema,
  async start(ctx) {
    if (!ctx.runs('front')) return;
    const storage = ctx.container.resolve(Tokens.Storage);
    const redisService = ctx.container.resolve(Tokens.Redis);
    const redis = redisService.client();
    const tlsOptions = await loadTlsContext(ctx.home, ctx.config.tls);
    const services: Pop3Services = {
      config: ctx.config,
      login: ctx.container.resolve(LoginServiceToken),
      credentials: new Credentials(ctx.container.resolve(CredentialServiceToken)),
      storage,
      sizes: new MessageSizes(redis, storage.blobs),
      redis,
      hooks: ctx.hooks,
      metrics: ctx.metrics,
      logger: ctx.logger,
      tls: tls.createSecureContext(tlsOptions),
    };
    return openPluginListeners(ctx, {
      protocol: 'pop3',
      listeners: [{ name: 'pop3' }, { name: 'pop3s', tls: services.tls }],
      replies: {
        total: '-ERR [SYS/TEMP] too many connections, try again later',
        'per-address': '-ERR [SYS/TEMP] too many connections from your address, try again later',
        failure: '-ERR [SYS/TEMP] internal error, closing the connection; try again later',
      },
      handler: (connection, listener) => new Pop3Session(connection, listener, services).run(),
    });
  },
});
