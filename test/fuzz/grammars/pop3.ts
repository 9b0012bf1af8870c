/**
 * POP3 sessions (RFC 1939, 2449, 5034): mostly well-formed, logging in by every mechanism, then
 * commands in and out of their state, with mutated arguments, odd line endings and long lines.
 */
import type { FuzzCase } from '../driver.js';
import { FUZZ_DOMAIN, FUZZ_PASSWORD, FUZZ_USER } from '../fuzz-home.js';
import { frame, mutate, number, randomBytes, utf8, word } from '../inputs.js';
import type { Rng } from '../prng.js';

/** The pop3 plugin's default maxLineLength, which the fuzz config keeps. */
export const POP3_MAX_LINE = 512;

const USER = `${FUZZ_USER}@${FUZZ_DOMAIN}`;
const b64 = (text: string): string => Buffer.from(text, 'latin1').toString('base64');

export function pop3Case(rng: Rng): FuzzCase {
  // The implicit-TLS listener gets bytes that are no TLS handshake.
  if (rng.chance(0.08))
    return {
      listener: 'pop3s',
      label: 'random octets on pop3s',
      input: randomBytes(rng),
      awaitGreeting: false,
    };
  if (rng.chance(0.1))
    return {
      listener: 'pop3',
      label: 'random octets',
      input: randomBytes(rng),
      awaitGreeting: rng.chance(0.5),
    };
  const lines: string[] = [];
  const labels: string[] = [];
  // Every login attempt costs the server an scrypt, by far its most expensive step.
  if (rng.chance(0.45)) {
    const login = loginLines(rng);
    lines.push(...login.lines);
    labels.push(login.label);
  }
  const count = rng.int(0, 20);
  for (let i = 0; i < count; i++) lines.push(command(rng));
  labels.push(`${count} command(s)`);
  if (rng.chance(0.5)) lines.push(rng.pick(['QUIT', 'quit', 'QUIT extra']));
  return {
    listener: 'pop3',
    label: labels.join(', '),
    input: frame(rng, lines, POP3_MAX_LINE),
    awaitGreeting: rng.chance(0.8),
  };
}

function loginLines(rng: Rng): { label: string; lines: string[] } {
  const password = rng.chance(0.7) ? FUZZ_PASSWORD : mutate(rng, FUZZ_PASSWORD, 600);
  const user = rng.chance(0.8) ? USER : mutate(rng, USER, 600);
  switch (rng.int(0, 4)) {
    case 0:
      return { label: 'USER/PASS', lines: [`USER ${user}`, `PASS ${password}`] };
    case 1:
      return { label: 'AUTH PLAIN', lines: [`AUTH PLAIN ${mutate(rng, b64(`\0${user}\0${password}`))}`] };
    case 2:
      return {
        label: 'AUTH PLAIN (challenge)',
        lines: ['AUTH PLAIN', mutate(rng, b64(`${user}\0${user}\0${password}`))],
      };
    case 3:
      return {
        label: 'AUTH LOGIN',
        lines: ['AUTH LOGIN', mutate(rng, b64(user)), rng.chance(0.1) ? '*' : mutate(rng, b64(password))],
      };
    default:
      return { label: 'APOP', lines: [`APOP ${user} ${mutate(rng, '0123456789abcdef0123456789abcdef')}`] };
  }
}

function command(rng: Rng): string {
  const n = (): string => mutate(rng, number(rng, 4));
  const line = rng.weighted<() => string>([
    [3, () => 'CAPA'],
    [3, () => 'STAT'],
    [4, () => (rng.chance(0.5) ? 'LIST' : `LIST ${n()}`)],
    [4, () => (rng.chance(0.5) ? 'UIDL' : `UIDL ${n()}`)],
    [4, () => `RETR ${n()}`],
    [4, () => `TOP ${n()} ${n()}`],
    [3, () => `DELE ${n()}`],
    [2, () => 'NOOP'],
    [2, () => 'RSET'],
    [1, () => 'STLS'],
    [2, () => `AUTH ${mutate(rng, rng.pick(['PLAIN', 'LOGIN', 'CRAM-MD5', '']))} ${mutate(rng, '=')}`],
    [1, () => `USER ${mutate(rng, USER)}`],
    [1, () => `PASS ${mutate(rng, FUZZ_PASSWORD)}`],
    [1, () => `APOP ${mutate(rng, USER)}`],
    [2, () => `${word(rng, 8)} ${word(rng)}`],
    [1, () => utf8('RETR ①')],
  ])();
  return mutate(rng, line, POP3_MAX_LINE * 2);
}
