import type tls from 'node:tls';
import type { Logger } from 'pino';
import type { HookBus, LoginService, Metrics, Storage } from '../../../core/index.js';
import type { ImapConfig } from '../config.js';

/** What every session of one plugin instance shares. */
export interface ImapServices {
  config: ImapConfig;
  /** The plugin's version, for ID. */
  version: string;
  login: LoginService;
  storage: Storage;
  hooks: HookBus;
  metrics: Metrics;
  logger: Logger;
  tls: tls.SecureContext;
}
