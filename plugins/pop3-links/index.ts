import {
  definePlugin,
  DeliveryQueueToken,
  DirectoryServiceToken,
  SecretBoxToken,
  Tokens,
} from '../../core/index.js';
import { pop3LinksConfigSchema, type Pop3LinksConfig } from './config.js';
import { fetchLink } from './fetch-link.js';
import { LinkState } from './link-state.js';
import { LinkScheduler } from './scheduler.js';

/** A lease outlives a stalled fetch by this much before another process may take the link over. */
const LEASE_MARGIN_MS = 30_000;

/**
 * XMail POP3 links (`poplnk*`): mail of external POP3 accounts fetched into local accounts. Worker
 * processes fetch each enabled link on a schedule; every message goes through the delivery queue
 * (the normal router) and is deleted remotely only after the queue holds it.
 */
export default definePlugin<Pop3LinksConfig>({
  name: 'pop3-links',
  version: '0.1.0',
  needs: ['storage', 'redis'],
  dependsOn: ['queue'],
  configSchema: pop3LinksConfigSchema,
  start(ctx) {
    if (!ctx.runs('worker')) return;
    const { config } = ctx;
    const storage = ctx.container.resolve(Tokens.Storage);
    const redis = ctx.container.resolve(Tokens.Redis).client();
    const fetchServices = {
      config,
      storage,
      queue: ctx.container.resolve(DeliveryQueueToken),
      secrets: ctx.container.resolve(SecretBoxToken),
      logger: ctx.logger,
    };
    const scheduler = new LinkScheduler({
      config,
      links: storage.pop3Links,
      directory: ctx.container.resolve(DirectoryServiceToken),
      events: storage.events,
      state: new LinkState(redis, config.prefix, config.timeoutSeconds * 1000 + LEASE_MARGIN_MS),
      fetch: (link, abort) => fetchLink(link, fetchServices, abort),
      logger: ctx.logger,
    });
    scheduler.start();
    return async () => {
      await scheduler.stop();
      await redis.quit().catch(() => redis.disconnect());
    };
  },
});
