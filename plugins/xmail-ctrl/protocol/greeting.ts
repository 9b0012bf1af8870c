/**
 * CTRL greeting, XMail's date format and the login line (spec §1 "Greeting", "Login line"; decision 1).
 *
 * Greeting: `+00000 <secs.nonce@local-ip> <AppName Version> CTRL Server; <MscGetTimeStr date>`.
 * The timestamp, angle brackets included, is the MD5 challenge of the login.
 */
import { createHash, randomBytes } from 'node:crypto';
import { CTRL_OK, formatSuccessLine, type XMailErrorName } from './errors.js';
import { tokenizeTabLine } from './tokenize.js';
import { sameSecret, unmapIPv4 } from '../../../core/index.js';
import { asciiLowerCase } from '../../../core/index.js';

/**
 * `<%lu.%lu@%s>`: unix seconds, a per-session nonce (XMail uses the thread id, a large number), and
 * the LOCAL address the client connected to. IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`, as Node
 * reports IPv4 peers on dual-stack sockets) are printed as plain IPv4, like XMail.
 */
export function formatCtrlTimestamp(
  unixSeconds: number,
  nonce: bigint | number,
  localAddress: string,
): string {
  return `<${Math.floor(unixSeconds)}.${nonce}@${unmapIPv4(localAddress)}>`;
}

/** A fresh timestamp for a new session: the nonce is 48 random bits, as long as XMail's thread ids. */
export function newCtrlTimestamp(localAddress: string, now: Date = new Date()): string {
  return formatCtrlTimestamp(now.getTime() / 1000, randomBytes(6).readUIntBE(0, 6), localAddress);
}

/** The greeting line without line ending, e.g. `+00000 <…> Mailwright 0.1.0 CTRL Server; Sun, 22 Nov 2026 15:23:07 -0000`. */
export function formatGreeting(timestamp: string, appNameVersion: string, date: string): string {
  return formatSuccessLine(CTRL_OK, `${timestamp} ${appNameVersion} CTRL Server; ${date}`);
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/**
 * `MscGetTimeStr`: `Www, D Mmm YYYY HH:MM:SS ±HHMM` in local time, day not zero-padded.
 * The sign quirk is kept: XMail prints `+` only when the WHOLE-hour part of the offset is positive,
 * so UTC is `-0000` and +00:30 is `-0030` (§1). `utcOffsetMinutes` is east of UTC, defaulting to
 * this process's zone at that instant.
 */
export function formatXMailDate(date: Date, utcOffsetMinutes: number = -date.getTimezoneOffset()): string {
  const local = new Date(date.getTime() + utcOffsetMinutes * 60_000);
  const hours = Math.trunc(Math.abs(utcOffsetMinutes) / 60);
  const minutes = Math.abs(utcOffsetMinutes) % 60;
  const sign = utcOffsetMinutes > 0 && hours > 0 ? '+' : '-';
  return (
    `${WEEKDAYS[local.getUTCDay()]}, ${local.getUTCDate()} ${MONTHS[local.getUTCMonth()]} ${local.getUTCFullYear()} ` +
    `${two(local.getUTCHours())}:${two(local.getUTCMinutes())}:${two(local.getUTCSeconds())} ` +
    `${sign}${two(hours)}${two(minutes)}`
  );
}

function two(value: number): string {
  return String(value).padStart(2, '0');
}

/** The exact login line that asks for STARTTLS-style upgrade (strcmp on the whole line, §1). */
export const CTRL_TLS_LOGIN_LINE = '#!TLS';

/** The answer to `#!TLS` when TLS may start (§1, decision 11); the handshake follows it. */
export const CTRL_TLS_READY_LINE = formatSuccessLine(CTRL_OK, 'Ready to start TLS mode');

export type LoginRequest =
  | { readonly kind: 'tls' }
  | { readonly kind: 'credentials'; readonly username: string; readonly password: string }
  /** Wrong token count (also a command sent instead of credentials): answer and close. */
  | { readonly kind: 'rejected'; readonly error: XMailErrorName };

/** §1: the first line is `#!TLS` or exactly 2 TAB tokens, anything else is -00105 and close. */
export function parseLoginLine(line: string): LoginRequest {
  if (line === CTRL_TLS_LOGIN_LINE) return { kind: 'tls' };
  const tokens = tokenizeTabLine(line);
  if (tokens.length !== 2) return { kind: 'rejected', error: 'BAD_CTRL_LOGIN' };
  return { kind: 'credentials', username: tokens[0], password: tokens[1] };
}

/** `md5_hex(timestamp + password)`, the timestamp including its `<` `>` (MscMD5Authenticate). */
export function ctrlMd5Digest(timestamp: string, clearPassword: string): string {
  return createHash('md5')
    .update(timestamp + clearPassword, 'utf8')
    .digest('hex');
}

/**
 * CTRLAccountCheck's password test (§1): a password token starting with `#` is an MD5 digest
 * compared case-insensitively; anything else is compared exactly with the clear password.
 * Comparisons run in constant time, lengths included (sameSecret).
 */
export function checkCtrlPassword(sentPassword: string, clearPassword: string, timestamp: string): boolean {
  if (sentPassword.startsWith('#')) {
    return sameSecret(asciiLowerCase(sentPassword.slice(1)), ctrlMd5Digest(timestamp, clearPassword));
  }
  return sameSecret(sentPassword, clearPassword);
}
