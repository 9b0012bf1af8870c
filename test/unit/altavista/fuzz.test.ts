/**
 * Seeded fuzzing of the pure protocol layer: random and half-valid lines never make the lexers or
 * value parsers throw anything but AvProtocolError with one of their own codes, accepted values
 * are stable under normalisation, and quoting round-trips. A failure prints its seed and case, and
 * is replayed by running with the same seed (MW_FUZZ_SEED).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../fuzz/prng.js';
import {
  AV_COMMANDS,
  AvProtocolError,
  lexCommand,
  normaliseValue,
  parseAttributeLine,
  precheck,
  quoteToken,
  type ValueSyntax,
} from '../../../plugins/altavista-admin/protocol/index.js';

const SEED = Number(process.env.MW_FUZZ_SEED ?? 0xa17a);
const CASES = 20_000;

const KEYWORDS = [
  ...new Set(AV_COMMANDS.flatMap((spec) => spec.keywords)),
  'Environment',
  'Server',
  'Event',
  'Password',
  'Digest',
];
const PIECES = [
  '""',
  '"',
  '\\',
  '\\"',
  '\\\\',
  ' ',
  '\t',
  '@',
  '.',
  '..',
  '*',
  '[',
  ']',
  '1',
  '02',
  '192.0.2.1',
  '::1',
  'fred@staff',
  'a@@b',
  'dec.com',
  'M1.2',
  '0123456789abcdef0123456789abcdef',
  '<>',
  'é',
  '\u0000',
  '\r',
  '\n',
  '\u{1F4E8}',
];

/** A line made of keywords, pieces of names and quoting, separators and random characters. */
function randomLine(rng: Rng): string {
  return rng.weighted<() => string>([
    [1, () => rng.bytes(rng.size(0, 80)).toString('latin1')],
    [
      4,
      () => {
        const parts: string[] = [];
        for (let count = rng.int(0, 7); count > 0; count--) {
          parts.push(
            rng.weighted<() => string>([
              [3, () => rng.pick(KEYWORDS)],
              [1, () => rng.pick(KEYWORDS).toUpperCase()],
              [4, () => rng.pick(PIECES)],
              [1, () => String.fromCharCode(rng.int(0, 0x2ff))],
            ])(),
          );
          parts.push(rng.pick([' ', ' ', '\t', '  ', '']));
        }
        return parts.join('');
      },
    ],
  ])();
}

function expectOnly(codes: number[], run: () => unknown, input: string, index: number): unknown {
  try {
    return run();
  } catch (error) {
    assert.ok(
      error instanceof AvProtocolError && codes.includes(error.code),
      `case ${index} (seed ${SEED}): ${JSON.stringify(input)} threw ${String(error)}`,
    );
    return undefined;
  }
}

const SYNTAXES: ValueSyntax[] = [
  'interval',
  'time',
  'count',
  'boolean',
  'address',
  'reverse-path',
  'host',
  'text',
  'privilege',
  'client-type',
  'username-record',
  'ip-address',
  'attribute-name',
  'log-name',
  'mailbox-name',
  'domain-name',
  'message-id',
  'event-id',
  'location',
];

describe(`protocol fuzz (seed ${SEED})`, () => {
  it('command lines: a command or 500 / 501, and precheck never throws', () => {
    const rng = new Rng(SEED);
    let accepted = 0;
    for (let index = 0; index < CASES; index++) {
      const line = randomLine(rng);
      const command = expectOnly([500, 501], () => lexCommand(line), line, index);
      if (command === undefined) continue;
      accepted++;
      for (const loggedIn of [false, true]) {
        const refusal = precheck(lexCommand(line), { loggedIn, peerIsLocal: false, effectiveIsLocal: false });
        assert.ok(refusal === undefined || /^5(02|03|04|11) /.test(refusal), refusal);
      }
    }
    // The generator must get past the command words often enough to exercise the arguments.
    assert.ok(accepted > CASES / 100, `only ${accepted} lines lexed`);
  });

  it('attribute lines: an attribute line, the end, or 501', () => {
    const rng = new Rng(SEED + 1);
    for (let index = 0; index < CASES; index++) {
      const line = randomLine(rng);
      for (const verb of ['Add', 'Remove', 'Set', 'Show'] as const) {
        expectOnly([501], () => parseAttributeLine(verb, line), line, index);
      }
    }
  });

  it('values: a canonical value that normalises to itself, or 524', () => {
    const rng = new Rng(SEED + 2);
    for (let index = 0; index < CASES; index++) {
      const value = randomLine(rng);
      for (const syntax of SYNTAXES) {
        const canonical = expectOnly([524], () => normaliseValue(syntax, value), value, index);
        if (typeof canonical === 'string') assert.equal(normaliseValue(syntax, canonical), canonical, syntax);
      }
    }
  });

  it('any username and password survive quoting into a Login line', () => {
    const rng = new Rng(SEED + 3);
    for (let index = 0; index < CASES / 4; index++) {
      const username = randomLine(rng).replace(/[\r\n]/g, '');
      const password = randomLine(rng).replace(/[\r\n]/g, '');
      const line = `Login Password ${quoteToken(username)} ${quoteToken(password)}`;
      assert.deepEqual(lexCommand(line), { kind: 'Login', method: 'Password', username, password }, line);
    }
  });
});
