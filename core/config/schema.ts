import { z } from 'zod';
import { LISTENER_NAME_PATTERN, parseListenAddress, type ListenAddress } from './listen.js';

const listenAddress = z.string().transform((text, ctx): ListenAddress => {
  try {
    return parseListenAddress(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

/** `file:/path`, `redis://...`, `mongodb://...`, or a third-party adapter module with its URL. */
const storageSetting = z.union([
  z.string().min(1),
  z.strictObject({ adapter: z.string().min(1), url: z.string().min(1) }),
]);

/**
 * A umask as a string of octal digits: YAML reads an unquoted 027 as the number 27. The owner's bits
 * must stay clear, or the server could not read what it writes.
 */
const umaskSetting = z.string().transform((text, ctx): number => {
  const mask = /^0?[0-7]{3}$/.test(text) ? parseInt(text, 8) : NaN;
  if (Number.isNaN(mask) || (mask & 0o700) !== 0) {
    ctx.addIssue({ code: 'custom', message: 'expected a umask such as "077" or "027" (in quotes)' });
    return z.NEVER;
  }
  return mask;
});

/**
 * The top-level config file. Each plugin's own settings sit under `plugins.<name>` and are checked
 * against that plugin's schema by the kernel. Unknown keys are errors everywhere.
 */
export const mailwrightConfigSchema = z.strictObject({
  home: z.string().min(1).optional(),
  /**
   * Permission bits cleared from the files and directories created under the home, except its
   * private state/ (always 0700): "077" (default) makes them 0600/0700, "027" lets a group read.
   */
  umask: umaskSetting.optional(),
  role: z.enum(['front', 'worker', 'all']).optional(),
  /**
   * Delivery worker processes `mailwright start` runs beside itself (`--role worker`, same config,
   * home and Redis), restarting any that dies; the starting process then runs the front role. 0
   * (the default): deliveries run in the one process. One per spare CPU core is a good start.
   */
  workers: z.number().int().min(0).max(64).optional(),
  storage: storageSetting.optional(),
  redis: z.strictObject({ url: z.string().min(1) }).optional(),
  /**
   * Keep new account passwords reversible (sealed with the server key) instead of scrypt hashes,
   * for APOP, CRAM-MD5 and XMail's clear `userlist`. Off unless the operator asks for it.
   */
  legacySecrets: z.boolean().optional(),
  /**
   * Break-in detection for every login protocol: `threshold` consecutive failures from one address
   * lock it out of that account for `intervalSeconds` (AltaVista LockoutThreshold/LockoutInterval).
   */
  lockout: z
    .strictObject({ threshold: z.number().int().positive(), intervalSeconds: z.number().int().positive() })
    .optional(),
  /** Listener name → `HOST:PORT`. The kernel checks the names against the loaded plugins' listeners. */
  /**
   * MaximumHops: a message with more hops (Received fields as it arrived) than this is refused at
   * the end of DATA, and non-delivered by the workers when forwards push it over (reports get
   * twice as many). Default 25.
   */
  maximumHops: z.number().int().positive().optional(),
  listen: z
    .record(z.string().regex(LISTENER_NAME_PATTERN, 'expected a listener name such as smtp'), listenAddress)
    .optional(),
  /** Plugin name, npm package or path → its settings (`true` or `{}` for defaults, `false` to leave it out). */
  plugins: z.record(z.string().min(1), z.union([z.boolean(), z.record(z.string(), z.unknown())])).optional(),
  logging: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
    })
    .optional(),
  hooks: z.strictObject({ timeoutMs: z.number().int().positive().optional() }).optional(),
  shutdownTimeoutMs: z.number().int().positive().optional(),
});

export type MailwrightConfig = z.output<typeof mailwrightConfigSchema>;
