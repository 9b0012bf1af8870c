import { z } from 'zod';
import { ConnectionLimits } from './connection-limits.js';
import { LOOPBACK_NETWORKS, NetworkList } from './network-list.js';

/** A list of CIDR networks or addresses, each checked as NetworkList reads it. */
export const networkListSetting = z.array(z.string().min(1)).superRefine((entries, ctx) => {
  try {
    new NetworkList(entries);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

/**
 * `trustedNetworks`: CIDR networks or addresses whose clients are not held to the per-address
 * cap. Loopback by default: a local proxy, program or a cluster's other front stands for many
 * clients. `[]` counts everyone.
 */
export const trustedNetworksSetting = networkListSetting.default(LOOPBACK_NETWORKS);

/**
 * `listeners:` in a plugin's section: settings that apply to one of its listeners only and win
 * over the plugin's own, `listeners: { submission: { plaintextAuth: anywhere } }`. `declared` is
 * the plugin's `listeners` declaration: a name it does not declare (a typo, another plugin's
 * listener) is a config error, worded like the kernel's for `listen:`.
 */
export function perListener<Name extends string, Shape extends z.ZodRawShape>(
  declared: Readonly<Record<Name, unknown>>,
  shape: Shape,
) {
  const names = Object.keys(declared) as Name[];
  const entry = z.strictObject(shape).optional();
  const known = names.join(', ') || 'none';
  const overrides = z.strictObject(
    Object.fromEntries(names.map((name) => [name, entry])) as Record<Name, typeof entry>,
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `the plugin declares no ${issue.keys.map((key) => `"${key}"`).join(' or ')} listener (known: ${known})`
          : undefined,
    },
  );
  // Every entry is optional, so {} is valid; TypeScript cannot see that through the generic names.
  return overrides.prefault({} as z.input<typeof overrides>);
}

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
