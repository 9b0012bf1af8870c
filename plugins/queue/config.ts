import { hostname } from 'node:os';
import { z } from '../../core/index.js';

const seconds = (fallback: number) => z.number().positive().default(fallback);

const mxRecord = z.strictObject({ exchange: z.string(), priority: z.number().int().min(0) });

/**
 * `plugins.queue` settings. Intervals are in seconds, as the AltaVista Server attributes they
 * mirror (named in each comment); `timeScale` multiplies every one of them.
 */
export const queueConfigSchema = z.strictObject({
  /** BullMQ key prefix in Redis; processes sharing a queue must agree on it. */
  prefix: z.string().min(1).default('mailwright'),
  /** Jobs one worker process runs at once. */
  concurrency: z.number().int().positive().default(10),
  /**
   * Tries after a local fault (storage or Redis unavailable, a bug) before the message is left
   * frozen for an administrator. SMTP failures follow the retry schedule below instead.
   */
  attempts: z.number().int().positive().default(8),
  /** First retry delay after a local fault (ms); it doubles on each further fault. */
  retryDelayMs: z.number().int().positive().default(60_000),
  /** Name given in EHLO, Received headers and reports (Reporting-MTA). */
  hostname: z.string().min(1).default(hostname()),
  /** SenderMinimumRetryInterval: first retry after a failed connection. */
  minRetryInterval: seconds(300),
  /** SenderMaximumRetryInterval: the doubling stops here. */
  maxRetryInterval: seconds(14_400),
  /** MessageExpiryInterval: a message that made no progress this long is non-delivered. */
  messageExpiryInterval: seconds(432_000),
  /** MailServerHost: when set, all remote mail goes to this host (`host` or `host:port`), no MX lookup. */
  mailServerHost: z.string().min(1).optional(),
  /** FirewallHost: tried when every target host of a destination fails. */
  firewallHost: z.string().min(1).optional(),
  /**
   * TCP port of outbound SMTP. 25 on the Internet; a test bed or an operator whose relays listen
   * elsewhere sets it (a host written `host:port` overrides it for that host).
   */
  remotePort: z.number().int().min(1).max(65_535).default(25),
  /** Outbound connections to one host at once, per worker process; idle ones are reused. */
  maxConnectionsPerHost: z.number().int().positive().default(5),
  /**
   * Outbound SMTP timeouts, one per phase (Sender*Timeout). Defaults are RFC 5321 §4.5.3.2's:
   * greeting 5 min (§4.5.3.2.1), each command reply 5 min (MAIL and RCPT, §4.5.3.2.2-3; it also
   * bounds the DATA reply and every data block, §4.5.3.2.4-5, whose suggested 2 and 3 min it
   * exceeds), the reply to the final dot 10 min (§4.5.3.2.6). RFC 5321 gives no value for
   * connecting or DNS: 60 s and 30 s.
   */
  timeouts: z
    .strictObject({
      /** TCP connection to one address. */
      connect: seconds(60),
      /** The 220 greeting (and a STARTTLS upgrade), counted from the connection. */
      greeting: seconds(300),
      /** Any other reply (EHLO, MAIL, RCPT, DATA, RSET), and each data block sent. */
      command: seconds(300),
      /** The reply to the end of data (the final dot): the server may be filtering the message. */
      dataEnd: seconds(600),
      /** One MX or address lookup (all of its queries), for the MX hosts, smarthost, relays, firewall. */
      dns: seconds(30),
    })
    .prefault({}),
  /**
   * DNS for MX lookups: `servers` replaces the system resolvers; `mx` and `a` are static answers
   * consulted first (a split-horizon or test bed: `mx: { 'remote.test': [{ exchange: '127.0.0.1',
   * priority: 10 }] }`). An `mx` entry `[]` means "no MX" (fall back to the A/AAAA record).
   */
  dns: z
    .strictObject({
      servers: z.array(z.string().min(1)).optional(),
      mx: z.record(z.string(), z.array(mxRecord)).default({}),
      a: z.record(z.string(), z.array(z.string().min(1))).default({}),
    })
    .prefault({}),
  /**
   * How long a frozen message (failed for good, kept for an administrator to resubmit or read) is
   * kept before it is removed with its body; 0 keeps frozen messages until removed by hand.
   */
  frozenRetention: z
    .number()
    .min(0)
    .default(7 * 86_400),
  /** How often the cluster looks for frozen messages past `frozenRetention` (once per period, in one process). */
  frozenCleanupInterval: seconds(3_600),
  /** Originals larger than this are returned in reports as headers only. */
  reportMaxOriginalSize: z
    .number()
    .int()
    .min(0)
    .default(1024 * 1024),
  /**
   * Multiplies every interval above (1 = real time). Tests run the retry schedule and expiry in
   * seconds with a small value; never set it in production.
   */
  timeScale: z.number().positive().default(1),
  /**
   * How long a worker holds a job before another process may take it over (a crashed worker's
   * jobs are picked up after about this long).
   */
  lockDuration: seconds(30),
});

export type QueueConfig = z.output<typeof queueConfigSchema>;

/** The config's intervals in milliseconds, time scale applied. */
export function intervalMs(config: QueueConfig, secondsValue: number): number {
  return Math.max(1, Math.round(secondsValue * 1000 * config.timeScale));
}

export type SmtpTimeoutsMs = { [Phase in keyof QueueConfig['timeouts']]: number };

/** Every `timeouts` entry in milliseconds, time scale applied. */
export function timeoutsMs(config: QueueConfig): SmtpTimeoutsMs {
  const { connect, greeting, command, dataEnd, dns } = config.timeouts;
  const ms = (value: number): number => intervalMs(config, value);
  return {
    connect: ms(connect),
    greeting: ms(greeting),
    command: ms(command),
    dataEnd: ms(dataEnd),
    dns: ms(dns),
  };
}
