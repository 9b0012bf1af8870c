/**
 * XMail CTRL sessions (spec /work/shared/specs/xmail-ctrl.md): a login line (right or wrong, or
 * `#!TLS`), then TAB-separated quoted commands from the protocol's own table with about the right
 * number of tokens, uploads with dot-stuffed bodies, and mutations of all of it.
 */
import { CTRL_COMMANDS, CTRL_MAX_LINE_BYTES } from '../../../plugins/xmail-ctrl/protocol/index.js';
import type { FuzzCase } from '../driver.js';
import { FUZZ_ADMIN, FUZZ_DOMAIN, FUZZ_USER } from '../fuzz-home.js';
import { frame, mutate, number, randomBytes, utf8, word } from '../inputs.js';
import type { Rng } from '../prng.js';

export function ctrlCase(rng: Rng): FuzzCase {
  if (rng.chance(0.08))
    return {
      listener: 'xmail-ctrls',
      label: 'random octets on xmail-ctrls',
      input: randomBytes(rng),
      awaitGreeting: false,
    };
  if (rng.chance(0.08))
    return {
      listener: 'xmail-ctrl',
      label: 'random octets',
      input: randomBytes(rng),
      awaitGreeting: rng.chance(0.5),
    };
  const login = loginLine(rng);
  const lines = [login.line];
  const count = rng.int(0, 15);
  for (let i = 0; i < count; i++) lines.push(...command(rng));
  if (rng.chance(0.5)) lines.push('"quit"');
  return {
    listener: 'xmail-ctrl',
    label: `${login.label}, ${count} command(s)`,
    input: frame(rng, lines, CTRL_MAX_LINE_BYTES),
    awaitGreeting: rng.chance(0.8),
  };
}

function loginLine(rng: Rng): { label: string; line: string } {
  return rng.weighted<() => { label: string; line: string }>([
    [70, () => ({ label: 'logged in', line: tabLine(rng, [FUZZ_ADMIN.name, FUZZ_ADMIN.password], false) })],
    [10, () => ({ label: 'wrong login', line: tabLine(rng, [FUZZ_ADMIN.name, mutate(rng, 'wrong')], true) })],
    [5, () => ({ label: 'MD5 login', line: tabLine(rng, [FUZZ_ADMIN.name, `#${word(rng, 32)}`], true) })],
    [5, () => ({ label: '#!TLS', line: '#!TLS' })],
    [10, () => ({ label: 'odd login line', line: tabLine(rng, [word(rng), word(rng), word(rng)], true) })],
  ])();
}

/** One command line, and the upload that follows it when the command takes one. */
function command(rng: Rng): string[] {
  const spec = rng.pick(CTRL_COMMANDS);
  let tokens = spec.tokens.min + (rng.chance(0.2) ? rng.int(-1, 2) : 0);
  if (spec.tokens.max !== undefined && rng.chance(0.8)) tokens = Math.min(tokens, spec.tokens.max);
  const args = Array.from({ length: Math.max(0, tokens - 1) }, () => argument(rng));
  const line = tabLine(rng, [rng.chance(0.9) ? spec.name : mutate(rng, spec.name), ...args], true);
  if (spec.response !== 'upload') return [line];
  const body = Array.from({ length: rng.size(0, 200) }, () =>
    rng.pick(['"a"\t"b"', '.leading dot', '..', word(rng, 40), mutate(rng, 'x', 3000)]),
  );
  return rng.chance(0.9) ? [line, ...body, '.'] : [line, ...body];
}

function argument(rng: Rng): string {
  const value = rng.weighted<() => string>([
    [4, () => FUZZ_DOMAIN],
    [3, () => FUZZ_USER],
    [2, () => `${word(rng, 6).toLowerCase()}.test`],
    [2, () => word(rng)],
    [2, () => number(rng, 100)],
    [
      1,
      () =>
        rng.pick([
          '*',
          '*@*',
          '..',
          '../..',
          '/etc/passwd',
          'U',
          'M',
          'APOP',
          'mailusers.tab',
          'custdomains',
        ]),
    ],
    [1, () => utf8('dömain.test')],
  ])();
  return mutate(rng, value, CTRL_MAX_LINE_BYTES);
}

/** Tokens as XMail sends them: quoted, TAB-separated; `mangle` sometimes breaks the quoting. */
function tabLine(rng: Rng, tokens: string[], mangle: boolean): string {
  const quoted = tokens.map((token) =>
    mangle && rng.chance(0.05) ? rng.pick([token, `"${token}`, `${token}"`, `"${token}"x`]) : `"${token}"`,
  );
  return quoted.join(mangle && rng.chance(0.05) ? rng.pick([' ', '\t\t', '']) : '\t');
}
