import type tls from 'node:tls';
import type { Logger } from 'pino';
import type { HookBus, LoginService, MailboxEvents, Metrics, Storage } from '../../../core/index.js';
import type { ImapConfig } from '../config.js';

/** What every session of one plugin instance shares. */
export interface ImapServices {
  config: ImapConfig;
  /** The plugin's version, for ID. */
  version: string;
  login: LoginService;
  storage: Storage;
  /** Changes to the account's folders made anywhere (IDLE). */
  events: MailboxEvents;
  hooks: HookBus;
  metrics: Metrics;
  logger: Logger;
  tls: tls.SecureContext;
}
