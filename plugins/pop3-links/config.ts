import { hostname } from 'node:os';
import { z } from '../../core/index.js';

const seconds = (fallback: number) => z.number().positive().default(fallback);
const security = z.enum(['starttls', 'implicit', 'none']);

/**
 * Where and how to reach the POP3 server of one remote domain. XMail links name only the remote
 * domain and user: by default the server is the domain itself on port 110 (995 for implicit TLS)
 * and the login name is the remote user.
 */
const serverSchema = z.strictObject({
  host: z.string().min(1).optional(),
  port: z.number().int().min(1).max(65_535).optional(),
  /** Overrides the plugin-wide `security` for this server. */
  security: security.optional(),
  /** `user`: log in as the link's remote user (XMail); `address`: as `user@remote-domain`. */
  login: z.enum(['user', 'address']).default('user'),
  /** PEM file of the CA (or self-signed certificate) the server's certificate must chain to. */
  ca: z.string().min(1).optional(),
});

/** `plugins.pop3-links` settings. */
export const pop3LinksConfigSchema = z.strictObject({
  /** Each enabled link is fetched this often (seconds), by one worker process of the cluster. */
  intervalSeconds: seconds(300),
  /** Keep fetched messages on the remote server; their UIDLs are remembered so none is fetched twice. */
  leaveOnServer: z.boolean().default(false),
  /** The longest wait for the connection or any reply of the remote server. */
  timeoutSeconds: seconds(60),
  /** Larger remote messages are left on the server (and reported in the Errors log). */
  maxMessageSize: z
    .number()
    .int()
    .positive()
    .default(50 * 1024 * 1024),
  /** After failures a link is retried after the interval, doubling per failure up to this. */
  maxBackoffSeconds: seconds(6 * 3600),
  /** Links one worker process fetches at once. */
  concurrency: z.number().int().positive().default(4),
  /** Connection protection when the server entry does not say (links marked TLS never use `none`). */
  security: security.default('starttls'),
  /** Per remote domain (lower-case): host, port, TLS and login-name overrides. */
  servers: z.record(z.string(), serverSchema).default({}),
  /** Name in the `Received:` header of fetched messages. */
  hostname: z.string().min(1).default(hostname()),
  /** Redis key prefix of the link locks and retry state; processes sharing links must agree on it. */
  prefix: z.string().min(1).default('mailwright'),
});

export type Pop3LinksConfig = z.output<typeof pop3LinksConfigSchema>;
export type Pop3ServerConfig = z.output<typeof serverSchema>;
