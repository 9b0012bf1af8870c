/**
 * The greeting and the Digest login (spec §2.3 row 201, §2.5.3): the server greets with
 * `201 <fqdn> AltaVista Mail administration server ready <challenge>`, the challenge being
 * `<token@fqdn>`; a Digest login proves the password with MD5(challenge + password), APOP-style.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { responseLine } from './responses.js';

/** `<token@fqdn>`. */
export function formatChallenge(token: string, fqdn: string): string {
  return `<${token}@${fqdn}>`;
}

/**
 * A fresh challenge for a new session, shaped like §2.13's `<1234.842630400@mail.example.com>`:
 * a random number, then the unix seconds of `now` (the session's clock, decision 4). 48 random
 * bits keep two sessions in the same second apart.
 */
export function newChallenge(fqdn: string, now: Date): string {
  return formatChallenge(`${randomBytes(6).readUIntBE(0, 6)}.${Math.floor(now.getTime() / 1000)}`, fqdn);
}

const GREETING_TEXT = 'AltaVista Mail administration server ready';

/** The `201` greeting, sent once on connect. */
export function formatGreeting(fqdn: string, challenge: string): string {
  return responseLine(201, `${fqdn} ${GREETING_TEXT} ${challenge}`);
}

/** A client reading the greeting: the server's name and the challenge, or undefined if it is not one. */
export function parseGreeting(line: string): { fqdn: string; challenge: string } | undefined {
  const match = /^201 (\S+) AltaVista Mail administration server ready (<[^<>\s]+>)$/.exec(line);
  return match ? { fqdn: match[1], challenge: match[2] } : undefined;
}

/** The Digest login's proof: 32 lower-case hex digits of MD5(challenge + password), both UTF-8. */
export function digestResponse(challenge: string, password: string): string {
  return createHash('md5')
    .update(challenge + password, 'utf8')
    .digest('hex');
}

/**
 * Whether `digest` (32 hex digits, either case) proves `password` for `challenge`. The digests are
 * compared as bytes in constant time; anything but 32 hex digits is false, since Buffer's hex
 * decoding would silently drop what follows a bad digit.
 */
export function verifyDigest(challenge: string, password: string, digest: string): boolean {
  if (!/^[0-9a-f]{32}$/i.test(digest)) return false;
  return timingSafeEqual(Buffer.from(digest, 'hex'), Buffer.from(digestResponse(challenge, password), 'hex'));
}
