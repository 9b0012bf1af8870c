import { z } from 'zod';
import { unmapIPv4 } from '../net/client-address.js';
import { NetworkList } from '../net/network-list.js';

/**
 * `plaintextAuth`, one setting for every listener that takes passwords (SMTP AUTH PLAIN/LOGIN,
 * POP3 USER/PASS and AUTH, CTRL clear logins):
 *  - `trusted` (default): a plain-text password is taken only over TLS, from the same host (the
 *    client's address is the connection's own local address) or from the listener's
 *    `trustedNetworks` (loopback by default): Dovecot's disable_plaintext_auth with
 *    login_trusted_networks.
 *  - `anywhere`: also in clear text from any address (old clients on a private network).
 * Challenge-response logins (APOP, CTRL MD5) never send the password and are not affected.
 */
export const plaintextAuthSetting = z.enum(['trusted', 'anywhere']).default('trusted');

/** The listener settings the plain-text rule reads. */
export interface PlaintextSettings {
  plaintextAuth: z.output<typeof plaintextAuthSetting>;
  trustedNetworks: readonly string[];
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
