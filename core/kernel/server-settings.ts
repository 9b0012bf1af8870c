import type { MailwrightConfig } from '../config/schema.js';
import { DEFAULT_MAX_HOPS } from '../delivery/delivery-policy.js';

/**
 * Mail-handling settings of the whole server, which the front (SMTP refuses at the end of DATA)
 * and the delivery workers (non-delivery) must apply alike: one value in the config's top level,
 * not one per plugin.
 */
export interface ServerSettings {
  /** A message with more hops than this is refused or non-delivered (reports: twice; hopExcess). */
  readonly maximumHops: number;
}

export function serverSettingsOf(config: MailwrightConfig): ServerSettings {
  return { maximumHops: config.maximumHops ?? DEFAULT_MAX_HOPS };
}
