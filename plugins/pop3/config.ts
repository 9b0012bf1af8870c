import {
  listenerPlaintextSettings,
  listenerSettings,
  perListener,
  plaintextAuthSetting,
  z,
  type ListenerDeclaration,
} from '../../core/index.js';

/** The listeners the plugin declares, with their default ports: pop3 (STLS offered) and pop3s (implicit TLS). */
export const POP3_LISTENERS = {
  pop3: { port: 2110 },
  pop3s: { port: 2995 },
} as const satisfies Record<string, ListenerDeclaration>;

/**
 * `plugins.pop3` settings; both listeners (pop3 with STLS, pop3s with implicit TLS) share them,
 * except what `listeners:` sets for one.
 */
export const pop3ConfigSchema = z.strictObject({
  /** A session that sends nothing for this long is closed (RFC 1939 asks for at least 10 minutes). */
  idleTimeoutSeconds: z.number().int().positive().default(600),
  /**
   * Longest command line in octets, CRLF included. RFC 2449 caps commands at 255 octets; the
   * default leaves room for AUTH PLAIN initial responses with long names and passwords, which
   * clients send in one line. A longer line is answered with -ERR and discarded.
   */
  maxLineLength: z.number().int().min(255).max(65_536).default(512),
  /**
   * maxConnections (over both listeners), maxConnectionsPerAddress, trustedNetworks (exempt from
   * the latter; loopback by default) and tlsHandshakeTimeoutSeconds (pop3s and STLS). A refused
   * client gets `-ERR [SYS/TEMP]`.
   */
  ...listenerSettings({ maxConnections: 1000, maxConnectionsPerAddress: 20 }),
  /**
   * USER/PASS and AUTH before STLS: `trusted` (default) only from the same host or
   * `trustedNetworks`, `anywhere` from any address (core/directory/login-policy.ts).
   */
  plaintextAuth: plaintextAuthSetting,
  /** One listener's own `plaintextAuth` and `trustedNetworks` for USER/PASS and AUTH before STLS. */
  listeners: perListener(POP3_LISTENERS, listenerPlaintextSettings),
  /** Certificate for STLS and pop3s (PEM file paths); without it the installation's self-signed one. */
  tls: z.strictObject({ key: z.string().min(1), cert: z.string().min(1) }).optional(),
  /** Name in the greeting and CAPA IMPLEMENTATION. */
  implementation: z.string().min(1).default('Mailwright'),
});

export type Pop3Config = z.output<typeof pop3ConfigSchema>;
