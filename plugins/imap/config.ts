import {
  listenerPlaintextSettings,
  listenerSettings,
  perListener,
  plaintextAuthSetting,
  z,
  type ListenerDeclaration,
} from '../../core/index.js';
import { DEFAULT_COMMAND_LIMITS } from './protocol/index.js';

/** The listeners the plugin declares, with their default ports: imap (STARTTLS offered) and imaps (implicit TLS). */
export const IMAP_LISTENERS = {
  imap: { port: 2143 },
  imaps: { port: 2993 },
} as const satisfies Record<string, ListenerDeclaration>;

const MiB = 1024 * 1024;

/** `plugins.imap` settings, shared by both listeners except what `listeners:` sets for one. */
export const imapConfigSchema = z.strictObject({
  /**
   * A session that sends nothing for this long is logged out (RFC 3501 §5.4: at least 30 minutes;
   * an IDLE client re-issues IDLE within 29).
   */
  idleTimeoutSeconds: z.number().int().min(60).default(1800),
  /** Before login the timer is short: an unauthenticated client has nothing to wait for. */
  loginTimeoutSeconds: z.number().int().positive().default(60),
  /** One command line, line ending included (RFC 7162 §4 asks clients to keep under 8192). */
  maxLineBytes: z
    .number()
    .int()
    .min(1024)
    .max(1 * MiB)
    .default(DEFAULT_COMMAND_LIMITS.maxLineBytes),
  /** A literal read into memory (a LOGIN password, a SEARCH string). */
  maxLiteralBytes: z
    .number()
    .int()
    .min(1024)
    .max(16 * MiB)
    .default(DEFAULT_COMMAND_LIMITS.maxLiteralBytes),
  /** The lines and in-memory literals of one command together. */
  maxCommandBytes: z
    .number()
    .int()
    .min(8192)
    .max(64 * MiB)
    .default(DEFAULT_COMMAND_LIMITS.maxCommandBytes),
  /** One APPENDed message (advertised as APPENDLIMIT; streamed to storage, never held in memory). */
  maxAppendBytes: z.number().int().positive().default(DEFAULT_COMMAND_LIMITS.maxAppendBytes),
  /** maxConnections (both listeners), maxConnectionsPerAddress, trustedNetworks, tlsHandshakeTimeoutSeconds. */
  ...listenerSettings({ maxConnections: 10_000, maxConnectionsPerAddress: 50 }),
  /** LOGIN and AUTHENTICATE PLAIN/LOGIN before STARTTLS (core/directory/login-policy.ts). */
  plaintextAuth: plaintextAuthSetting,
  /** One listener's own `plaintextAuth` and `trustedNetworks`. */
  listeners: perListener(IMAP_LISTENERS, listenerPlaintextSettings),
  /** Certificate for STARTTLS and imaps (PEM file paths); without it the installation's self-signed one. */
  tls: z.strictObject({ key: z.string().min(1), cert: z.string().min(1) }).optional(),
  /** Name in the greeting and in ID. */
  implementation: z.string().min(1).default('Mailwright'),
});

export type ImapConfig = z.output<typeof imapConfigSchema>;
