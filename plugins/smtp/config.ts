import { hostname } from 'node:os';
import {
  listenerPlaintextSettings,
  perListener,
  plaintextAuthSetting,
  trustedNetworksSetting,
  z,
  type ListenerDeclaration,
} from '../../core/index.js';

const MiB = 1024 * 1024;

/** `smtp` (MX and trusted senders), `submission` (AUTH required) and `smtps` (submission over implicit TLS). */
export const SMTP_LISTENERS = ['smtp', 'submission', 'smtps'] as const;

/** The listeners the plugin declares, with their default ports. */
export const SMTP_LISTENER_DEFAULTS: Record<(typeof SMTP_LISTENERS)[number], ListenerDeclaration> = {
  smtp: { port: 2525 },
  submission: { port: 2587 },
  smtps: { port: 2465 },
};

/** `plugins.smtp` settings; the three listeners share them, except what `listeners:` sets for one. */
export const smtpConfigSchema = z.strictObject({
  /** Name in the greeting, EHLO reply and Received headers. */
  hostname: z.string().min(1).default(hostname()),
  /** Octets of one message (advertised with SIZE). */
  maxMessageSize: z
    .number()
    .int()
    .positive()
    .default(25 * MiB),
  maxRecipients: z.number().int().positive().default(100),
  /** A session that stays silent this long is closed. */
  idleTimeoutMs: z
    .number()
    .int()
    .positive()
    .default(5 * 60_000),
  /** Sessions open at once in this process, over all three listeners; more get 421. */
  maxConnections: z.number().int().positive().default(1000),
  /** Simultaneous sessions from one IP address outside `trustedNetworks`, per process. */
  maxConnectionsPerIp: z.number().int().positive().default(20),
  /**
   * Clients in these networks may relay to remote domains without AUTH, and are not held to
   * `maxConnectionsPerIp` (Postfix's $mynetworks). Loopback by default, so a local program can
   * send; set [] to require AUTH from everyone.
   */
  trustedNetworks: trustedNetworksSetting,
  /**
   * Pause before the greeting; a client that talks before it is refused ("early talker", a
   * spam-bot habit). smtp-server hard-codes 100 ms, which caps a server at a few hundred
   * sessions per second; 0 greets at once. Raise it on a public port 25 if spam bots bother you.
   */
  earlyTalkerDelayMs: z.number().int().min(0).max(60_000).default(0),
  /** Look up the client's host name (for Received headers); costs a DNS query per session. */
  reverseDns: z.boolean().default(true),
  /**
   * Certificate for STARTTLS and smtps (PEM file paths). Without it the installation's self-signed
   * certificate (made once in <home>/tls/) is used, so TLS always works.
   */
  tls: z.strictObject({ key: z.string().min(1), cert: z.string().min(1) }).optional(),
  /**
   * The listeners where an authenticated client may send only as itself (Postfix's
   * reject_sender_login_mismatch): MAIL FROM must be the account's own address or an address
   * routed to it (an alias, an alias domain); anything else is refused with 553 5.7.1. The null
   * sender `<>` is always allowed. Sessions without AUTH are not affected. Add `smtp` to hold
   * authenticated clients on port 25 to the same rule; [] turns it off.
   */
  senderLoginMismatch: z.array(z.enum(SMTP_LISTENERS)).default(['submission', 'smtps']),
  /**
   * AUTH before STARTTLS (passwords in clear text): `trusted` (default) only from the same host or
   * `trustedNetworks`, `anywhere` from any address (core/directory/login-policy.ts).
   */
  plaintextAuth: plaintextAuthSetting,
  /**
   * One listener's own `plaintextAuth` and `trustedNetworks` for AUTH before STARTTLS, e.g.
   * `{ smtp: { plaintextAuth: anywhere } }` for old clients on port 25 while submission keeps `trusted`.
   */
  listeners: perListener(SMTP_LISTENER_DEFAULTS, listenerPlaintextSettings),
});

export type SmtpConfig = z.output<typeof smtpConfigSchema>;
