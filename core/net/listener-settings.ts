import { z } from 'zod';
import { ConnectionLimits } from './connection-limits.js';
import { LOOPBACK_NETWORKS, NetworkList } from './network-list.js';

/**
 * `trustedNetworks`: CIDR networks or addresses whose clients are not held to the per-address
 * cap. Loopback by default: a local proxy, program or a cluster's other front stands for many
 * clients. `[]` counts everyone.
 */
export const trustedNetworksSetting = z
  .array(z.string().min(1))
  .default(LOOPBACK_NETWORKS)
  .superRefine((entries, ctx) => {
    try {
      new NetworkList(entries);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  });

/**
 * The connection settings of a plugin with hand-written listeners (spread into its config
 * schema); every listener of the plugin applies them, the caps counting over all of them.
 */
export function listenerSettings(defaults: { maxConnections: number; maxConnectionsPerAddress: number }) {
  return {
    /** Connections open at once in this process; more are refused with the protocol's busy line. */
    maxConnections: z.number().int().positive().default(defaults.maxConnections),
    /** Connections open at once from one client address outside `trustedNetworks`. */
    maxConnectionsPerAddress: z.number().int().positive().default(defaults.maxConnectionsPerAddress),
    trustedNetworks: trustedNetworksSetting,
    /** A client that has not finished the TLS handshake (implicit TLS, or after STARTTLS) by then is dropped. */
    tlsHandshakeTimeoutSeconds: z.number().int().positive().max(600).default(30),
  };
}

export type ListenerSettings = z.output<z.ZodObject<ReturnType<typeof listenerSettings>>>;

export function connectionLimitsOf(settings: ListenerSettings): ConnectionLimits {
  return new ConnectionLimits({
    maxConnections: settings.maxConnections,
    maxConnectionsPerAddress: settings.maxConnectionsPerAddress,
    trusted: new NetworkList(settings.trustedNetworks),
  });
}
