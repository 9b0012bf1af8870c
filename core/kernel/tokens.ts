import type { InjectionToken } from 'tsyringe';
import type { Storage } from '../ports/storage.js';
import type { RedisService } from '../runtime/redis.js';
import type { HookBus } from './hooks.js';
import type { Metrics } from '../runtime/metrics.js';
import type { Logger } from 'pino';
import type { ServerSettings } from './server-settings.js';

/**
 * Injection tokens of what the kernel provides. `Symbol.for` keeps them identical when a
 * third-party plugin ends up with its own copy of this module.
 */
export const Tokens = {
  Storage: Symbol.for('mailwright.Storage') as InjectionToken<Storage>,
  Redis: Symbol.for('mailwright.Redis') as InjectionToken<RedisService>,
  Hooks: Symbol.for('mailwright.Hooks') as InjectionToken<HookBus>,
  Metrics: Symbol.for('mailwright.Metrics') as InjectionToken<Metrics>,
  Logger: Symbol.for('mailwright.Logger') as InjectionToken<Logger>,
  ServerSettings: Symbol.for('mailwright.ServerSettings') as InjectionToken<ServerSettings>,
};
