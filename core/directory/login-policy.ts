import { z } from 'zod';
import { unmapIPv4 } from '../net/client-address.js';
import { networkListSetting } from '../net/listener-settings.js';
import { NetworkList } from '../net/network-list.js';

/**
 * `plaintextAuth`, the rule for every listener that takes passwords (SMTP AUTH PLAIN/LOGIN,
 * POP3 USER/PASS and AUTH, CTRL clear logins), set for a plugin's listeners and, where one needs
 * another, for that listener (`listenerPlaintextSettings`):
 *  - `trusted` (default): a plain-text password is taken only over TLS, from the same host (the
 *    client's address is the connection's own local address) or from the listener's
 *    `trustedNetworks` (loopback by default): Dovecot's disable_plaintext_auth with
 *    login_trusted_networks.
 *  - `anywhere`: also in clear text from any address (old clients on a private network).
 * Challenge-response logins (APOP, CTRL MD5) never send the password and are not affected.
 */
const plaintextAuthValue = z.enum(['trusted', 'anywhere']);

export const plaintextAuthSetting = plaintextAuthValue.default('trusted');

/**
 * One listener's own plain-text rule, in its entry of the plugin's `listeners:` (`perListener`):
 * `plaintextAuth`, and the `trustedNetworks` whose clients may log in with a clear password on
 * that listener. Either left out is the plugin's. They concern logins only: the connection caps
 * and SMTP relaying keep reading the plugin's `trustedNetworks`.
 */
export const listenerPlaintextSettings = {
  plaintextAuth: plaintextAuthValue.optional(),
  trustedNetworks: networkListSetting.optional(),
};

/** The listener settings the plain-text rule reads. */
export interface PlaintextSettings {
  plaintextAuth: z.output<typeof plaintextAuthSetting>;
  trustedNetworks: readonly string[];
}

/** A plugin's settings for the plain-text rule: its own, and its listeners' (`listeners:`). */
export interface PluginPlaintextSettings extends PlaintextSettings {
  listeners: Readonly<Record<string, Partial<PlaintextSettings> | undefined>>;
}

/**
 * The plain-text rule's settings of one listener: what its entry in `listeners:` sets, the
 * plugin's settings for the rest. Every protocol session asks this, for the listener its
 * connection came in on.
 */
export function plaintextSettingsOf(config: PluginPlaintextSettings, listener: string): PlaintextSettings {
  const own = config.listeners[listener];
  return {
    plaintextAuth: own?.plaintextAuth ?? config.plaintextAuth,
    trustedNetworks: own?.trustedNetworks ?? config.trustedNetworks,
  };
}

/** Where a client is, as far as the plain-text rule cares. */
export interface ClientChannel {
  /** TLS from the first byte, or after STARTTLS/STLS/#!TLS. */
  secure: boolean;
  remoteAddress: string;
  localAddress: string;
}

/** Whether a plain-text password may be taken from this client now. */
export function allowPlaintext(settings: PlaintextSettings, client: ClientChannel): boolean {
  if (client.secure || settings.plaintextAuth === 'anywhere') return true;
  const remote = unmapIPv4(client.remoteAddress);
  // Same host: the password never leaves the machine. Only the exact local address counts, so a
  // client bound to another loopback address is "remote" unless trustedNetworks covers it.
  if (remote !== '' && remote === unmapIPv4(client.localAddress)) return true;
  return new NetworkList(settings.trustedNetworks).has(remote);
}
