import {
  listenerPlaintextSettings,
  listenerSettings,
  perListener,
  plaintextAuthSetting,
  z,
  type ListenerDeclaration,
} from '../../core/index.js';

/** The listeners the plugin declares, with their default ports: xmail-ctrl (`#!TLS` upgrade) and xmail-ctrls (TLS). */
export const CTRL_LISTENERS = {
  'xmail-ctrl': { port: 6017 },
  'xmail-ctrls': { port: 6018 },
} as const satisfies Record<string, ListenerDeclaration>;

/**
 * `plugins.xmail-ctrl` settings; both listeners (xmail-ctrl, xmail-ctrls) share them, except what
 * `listeners:` sets for one.
 */
export const ctrlConfigSchema = z.strictObject({
  /** A session silent this long between commands is closed with no message (XMail `-Ct`). */
  idleTimeoutSeconds: z.number().int().positive().default(120),
  /** Answer `#!TLS` (XMail server.tab `EnableCTRL-TLS`); when false it gets `-00249`. */
  startTls: z.boolean().default(true),
  /**
   * maxConnections (over both listeners), maxConnectionsPerAddress, trustedNetworks (exempt from
   * the latter; loopback by default) and tlsHandshakeTimeoutSeconds (xmail-ctrls and `#!TLS`). A
   * refused client gets `-00129 Server too busy, retry later`, as from XMail over its `-CX` threads.
   */
  ...listenerSettings({ maxConnections: 100, maxConnectionsPerAddress: 10 }),
  /**
   * Clear-text logins (`name<TAB>password`) before `#!TLS`: `trusted` (default) only from the same
   * host or `trustedNetworks`, `anywhere` from any address, as XMail did (core/directory/login-policy.ts).
   * MD5 logins (`#digest`) never send the password and are always taken.
   */
  plaintextAuth: plaintextAuthSetting,
  /** One listener's own `plaintextAuth` and `trustedNetworks` for clear-text logins before `#!TLS`. */
  listeners: perListener(CTRL_LISTENERS, listenerPlaintextSettings),
  /** Certificate for `#!TLS` and the xmail-ctrls listener (PEM paths); default: the shared self-signed one. */
  tls: z.strictObject({ key: z.string().min(1), cert: z.string().min(1) }).optional(),
});

export type CtrlConfig = z.output<typeof ctrlConfigSchema>;
