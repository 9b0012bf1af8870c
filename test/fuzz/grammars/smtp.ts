/**
 * SMTP sessions: EHLO/HELO, AUTH PLAIN/LOGIN exchanges, MAIL and RCPT with ESMTP parameters
 * (SIZE, BODY, SMTPUTF8, RET, ENVID, NOTIFY, ORCPT), ETRN, STARTTLS, DATA with random bodies and
 * dot-stuffing, with mutated arguments, odd line endings and long lines.
 */
import type { FuzzCase } from '../driver.js';
import { FUZZ_DOMAIN, FUZZ_PASSWORD, FUZZ_USER } from '../fuzz-home.js';
import { frame, mutate, number, randomBytes, utf8, word } from '../inputs.js';
import type { Rng } from '../prng.js';

/** RFC 5321's command line limit, the "long line" the grammar steps over. */
const SMTP_MAX_LINE = 512;

const USER = `${FUZZ_USER}@${FUZZ_DOMAIN}`;
const b64 = (text: string): string => Buffer.from(text, 'latin1').toString('base64');

export function smtpCase(rng: Rng): FuzzCase {
  if (rng.chance(0.06))
    return {
      listener: 'smtps',
      label: 'random octets on smtps',
      input: randomBytes(rng),
      awaitGreeting: false,
    };
  const listener = rng.chance(0.75) ? 'smtp' : 'submission';
  if (rng.chance(0.08))
    return { listener, label: 'random octets', input: randomBytes(rng), awaitGreeting: rng.chance(0.5) };
  const lines: string[] = [];
  const labels: string[] = [];
  if (rng.chance(0.9))
    lines.push(`${rng.pick(['EHLO', 'EHLO', 'HELO', 'LHLO'])} ${mutate(rng, 'client.test')}`);
  if (rng.chance(0.03)) lines.push('STARTTLS');
  // Every AUTH costs the server an scrypt, by far its most expensive step.
  if (rng.chance(0.25)) {
    const auth = authLines(rng);
    lines.push(...auth.lines);
    labels.push(auth.label);
  }
  const transactions = rng.int(0, 3);
  for (let i = 0; i < transactions; i++) lines.push(...transaction(rng));
  labels.push(`${transactions} transaction(s)`);
  const extra = rng.int(0, 6);
  for (let i = 0; i < extra; i++) lines.push(otherCommand(rng));
  if (rng.chance(0.5)) lines.push('QUIT');
  return {
    listener,
    label: labels.join(', '),
    input: frame(rng, lines, SMTP_MAX_LINE),
    awaitGreeting: rng.chance(0.85),
  };
}

function authLines(rng: Rng): { label: string; lines: string[] } {
  const password = rng.chance(0.7) ? FUZZ_PASSWORD : mutate(rng, FUZZ_PASSWORD, 600);
  const user = rng.chance(0.8) ? USER : mutate(rng, USER, 600);
  switch (rng.int(0, 2)) {
    case 0:
      return { label: 'AUTH PLAIN', lines: [`AUTH PLAIN ${mutate(rng, b64(`\0${user}\0${password}`))}`] };
    case 1:
      return {
        label: 'AUTH PLAIN (challenge)',
        lines: ['AUTH PLAIN', mutate(rng, b64(`\0${user}\0${password}`))],
      };
    default:
      return {
        label: 'AUTH LOGIN',
        lines: [
          rng.chance(0.5) ? 'AUTH LOGIN' : `AUTH LOGIN ${mutate(rng, b64(user))}`,
          mutate(rng, b64(user)),
          rng.chance(0.1) ? '*' : mutate(rng, b64(password)),
        ],
      };
  }
}

function address(rng: Rng): string {
  return rng.weighted<() => string>([
    [5, () => `<${USER}>`],
    [2, () => `<nobody@${FUZZ_DOMAIN}>`],
    [2, () => '<someone@remote.test>'],
    [1, () => '<>'],
    [1, () => USER],
    [1, () => `<@relay.test,@other.test:${USER}>`],
    [1, () => `<${utf8('jörg')}@${FUZZ_DOMAIN}>`],
    [1, () => `<"quoted local"@${FUZZ_DOMAIN}>`],
    [1, () => `<${word(rng, 30)}>`],
  ])();
}

function mailParameters(rng: Rng): string[] {
  const params: string[] = [];
  if (rng.chance(0.4)) params.push(`SIZE=${number(rng, 100_000)}`);
  if (rng.chance(0.3)) params.push(`BODY=${rng.pick(['7BIT', '8BITMIME', 'BINARYMIME', word(rng)])}`);
  if (rng.chance(0.2)) params.push('SMTPUTF8');
  if (rng.chance(0.2)) params.push(`RET=${rng.pick(['FULL', 'HDRS', '', word(rng)])}`);
  if (rng.chance(0.2)) params.push(`ENVID=${rng.pick(['abc+2Bdef', 'x+ZZ', word(rng, 100)])}`);
  if (rng.chance(0.05)) params.push(`${word(rng, 10)}=${word(rng)}`);
  return params.map((param) => mutate(rng, param));
}

function rcptParameters(rng: Rng): string[] {
  const params: string[] = [];
  if (rng.chance(0.3))
    params.push(
      `NOTIFY=${rng.pick(['NEVER', 'SUCCESS,FAILURE', 'DELAY', 'SUCCESS,NEVER', 'FAILURE,FAILURE', ''])}`,
    );
  if (rng.chance(0.3))
    params.push(
      `ORCPT=${rng.pick([`rfc822;${USER}`, 'rfc822;a+2Bb@x.test', 'utf-8;x', 'rfc822', word(rng)])}`,
    );
  return params.map((param) => mutate(rng, param));
}

function transaction(rng: Rng): string[] {
  const lines = [[`MAIL FROM:${mutate(rng, address(rng))}`, ...mailParameters(rng)].join(' ')];
  const recipients = rng.int(0, 4);
  for (let i = 0; i < recipients; i++)
    lines.push([`RCPT TO:${mutate(rng, address(rng))}`, ...rcptParameters(rng)].join(' '));
  if (rng.chance(0.8)) {
    lines.push('DATA');
    lines.push(...body(rng));
    // Mostly the end of data; sometimes the client stops before it.
    if (rng.chance(0.85)) lines.push('.');
  }
  if (rng.chance(0.1)) lines.push('RSET');
  return lines;
}

/** A message: a header, then lines with leading dots, 8-bit text, long lines. */
function body(rng: Rng): string[] {
  const lines = [`From: <${USER}>`, `Subject: ${mutate(rng, 'fuzz')}`];
  if (rng.chance(0.2)) lines.push(`Received: from x by y; ${word(rng)}`.repeat(rng.int(1, 3)));
  lines.push('');
  const count = rng.size(0, 400);
  for (let i = 0; i < count; i++)
    lines.push(
      rng.weighted<() => string>([
        [10, () => word(rng, 70)],
        [2, () => '..leading dot, stuffed'],
        [1, () => '.'.repeat(rng.int(2, 5))],
        [1, () => utf8('8-bit: Grüße 😀')],
        [1, () => 'x'.repeat(rng.size(100, 200_000))],
        [1, () => ''],
      ])(),
    );
  return lines;
}

function otherCommand(rng: Rng): string {
  const line = rng.weighted<() => string>([
    [3, () => `ETRN ${rng.pick([FUZZ_DOMAIN, `@${FUZZ_DOMAIN}`, '#queue', 'remote.test', '', word(rng)])}`],
    [2, () => 'RSET'],
    [2, () => 'NOOP'],
    [1, () => `VRFY ${USER}`],
    [1, () => `EXPN ${USER}`],
    [1, () => 'HELP'],
    [1, () => 'BDAT 10 LAST'],
    [1, () => `EHLO ${word(rng)}`],
    [1, () => 'AUTH CRAM-MD5'],
    [1, () => 'STARTTLS'],
    [2, () => `${word(rng, 6)} ${word(rng)}`],
  ])();
  return mutate(rng, line);
}
