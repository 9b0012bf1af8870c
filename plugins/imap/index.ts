import tls from 'node:tls';
import {
  definePlugin,
  loadTlsContext,
  LoginServiceToken,
  MailboxEventsToken,
  openPluginListeners,
  Tokens,
} from '../../core/index.js';
import { IMAP_LISTENERS, imapConfigSchema, type ImapConfig } from './config.js';
import type { ImapServices } from './session/services.js';
import { ImapSession } from './session/session.js';

const VERSION = '0.1.0';

/**
 * The IMAP server (RFC 3501 and the extensions listed in session/capabilities.ts) on two
 * listeners: `imap` (STARTTLS offered) and `imaps` (implicit TLS). Every folder lives in the
 * mail store, shared with POP3 (INBOX), delivery and the admin protocols.
 */
export default definePlugin<ImapConfig>({
  name: 'imap',
  version: VERSION,
  needs: ['storage', 'redis'],
  listeners: IMAP_LISTENERS,
  configSchema: imapConfigSchema,
  async start(ctx) {
    if (!ctx.runs('front')) return;
    const tlsOptions = await loadTlsContext(ctx.home, ctx.config.tls);
    const services: ImapServices = {
      config: ctx.config,
      version: VERSION,
      login: ctx.container.resolve(LoginServiceToken),
      storage: ctx.container.resolve(Tokens.Storage),
      events: ctx.container.resolve(MailboxEventsToken),
      hooks: ctx.hooks,
      metrics: ctx.metrics,
      logger: ctx.logger,
      tls: tls.createSecureContext(tlsOptions),
    };
    return openPluginListeners(ctx, {
      protocol: 'imap',
      listeners: [{ name: 'imap' }, { name: 'imaps', tls: services.tls }],
      replies: {
        total: '* BYE [UNAVAILABLE] Too many connections, try again later',
        'per-address': '* BYE [UNAVAILABLE] Too many connections from your address, try again later',
        failure: '* BYE [SERVERBUG] Internal error, closing the connection; try again later',
      },
      handler: (connection, listener) => new ImapSession(connection, listener, services).run(),
    });
  },
});
