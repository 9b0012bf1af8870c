import tls from 'node:tls';
import {
  CredentialServiceToken,
  definePlugin,
  DirectoryServiceToken,
  loadTlsContext,
  LockoutServiceToken,
  Tokens,
} from '../../core/index.js';
import { pop3ConfigSchema, type Pop3Config } from './config.js';
import { Credentials } from './credentials.js';
import { openPop3Listener, SessionSet, type OpenListener } from './listener.js';
import { MessageSizes } from './message-sizes.js';
import type { Pop3Services } from './session.js';

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
    const sessions = new SessionSet(services, ctx.config.maxConnections);
    const open: OpenListener[] = [];
    const closeListeners = async (): Promise<void> => {
      await Promise.all(open.splice(0).map((listener) => listener.close()));
    };
    try {
      for (const name of LISTENERS) {
        const listener = await openPop3Listener(name, ctx.listenAddress(name), sessions, tlsOptions);
        open.push(listener);
        ctx.announce(name, listener.address);
      }
    } catch (err) {
      await closeListeners();
      throw err;
    }
    const drop = (): void => sessions.destroyAll();
    ctx.shutdownSignal.addEventListener('abort', drop);
    return async () => {
      const closed = closeListeners();
      await sessions.drain();
      await closed;
      ctx.shutdownSignal.removeEventListener('abort', drop);
    };
  },
});
