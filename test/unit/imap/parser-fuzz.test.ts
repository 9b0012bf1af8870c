/**
 * Property-style fuzzing with a seeded PRNG (same seed, same cases: a failure names its case):
 * no input makes the parser, the mailbox name decoder or the command reader throw anything but
 * ImapParseError, hang, or lose its place; what the writer serialises the parser reads back.
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { Rng } from '../../fuzz/prng.js';
import { LineReader } from '../../../core/index.js';
import {
  CommandReader,
  ImapParseError,
  decodeMailboxName,
  encodeMailboxName,
  serialize,
} from '../../../plugins/imap/protocol/index.js';
import { parseOk, parseWire } from './parse-helpers.js';

const SEED = Number(process.env.MW_FUZZ_SEED ?? 0x1a9ac0de);
const CASES = 3000;

/** Valid commands to mutate, from RFC 3501 and RFC 7888. */
const SEEDS = [
  'a001 LOGIN SMITH SESAME\r\n',
  'A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])\r\n',
  'A003 APPEND saved-messages (\\Seen) {10}\r\n0123456789\r\n',
  'A001 LOGIN {11+}\r\nFRED FOOBAR {7+}\r\nfat man\r\n',
  'A999 UID FETCH 4827313:4828442 FLAGS\r\n',
  'A282 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith \\"J\\""\r\n',
  'a004 fetch 12 body.peek[]<0.2048>\r\n',
  'A1 STORE *:4,2 +FLAGS.SILENT (\\Deleted $Junk)\r\n',
  'A1 APPEND box ~{3}\r\na\x00b\r\n',
  'A1 LIST "" %\r\n',
];

/** Pieces that the grammar cares about, to build plausible garbage from. */
const PIECES = [
  ' ',
  '  ',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  '"',
  '\\',
  '\\"',
  '\\\\',
  '<',
  '>',
  '.',
  ':',
  ',',
  '*',
  '$',
  '%',
  '~',
  '+',
  '\r',
  '\n',
  '\r\n',
  '\x00',
  '\x7f',
  '\xff',
  '\xc3\xbc',
  'NIL',
  'nil',
  'A1',
  'UID',
  'FETCH',
  'APPEND',
  'LOGIN',
  'BODY[',
  'BODY.PEEK[',
  'BINARY.SIZE[',
  'HEADER.FIELDS',
  '<0.10>',
  '<1>',
  '{3}',
  '{0}',
  '{3+}',
  '~{2}',
  '{99999999999999999999}',
  '{4097+}',
  '1:*',
  '*:4',
  '2,4:7',
  '0',
  '4294967296',
  'x',
  '"abc"',
  '""',
  '()',
];

function mutate(rng: Rng, input: Buffer): Buffer {
  const bytes = [...input];
  for (let edits = rng.int(1, 4); edits > 0; edits--) {
    const at = rng.int(0, bytes.length);
    const choice = rng.int(0, 3);
    if (choice === 0 && bytes.length > 0) bytes.splice(at, rng.int(1, 3));
    else if (choice === 1) bytes.splice(at, 0, ...Buffer.from(rng.pick(PIECES), 'latin1'));
    else if (choice === 2 && at < bytes.length) bytes[at] = rng.int(0, 255);
    else bytes.splice(at, 0, ...rng.bytes(rng.int(1, 3)));
  }
  return Buffer.from(bytes);
}

function soup(rng: Rng): Buffer {
  const parts = ['A1 ', rng.pick(['FETCH ', 'LOGIN ', 'APPEND ', 'UID FETCH ', 'SEARCH ', ''])];
  for (let count = rng.int(0, 12); count > 0; count--) parts.push(rng.pick(PIECES));
  return Buffer.from(parts.join(''), 'latin1');
}

function fuzzInput(rng: Rng): Buffer {
  return rng.weighted<() => Buffer>([
    [3, () => mutate(rng, Buffer.from(rng.pick(SEEDS), 'latin1'))],
    [3, () => soup(rng)],
    [1, () => rng.bytes(rng.size(0, 200))],
  ])();
}

const sockets: net.Socket[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.destroy();
});

describe('IMAP protocol fuzzing', () => {
  it(`parser: ${CASES} inputs throw nothing but ImapParseError (seed ${SEED})`, () => {
    for (let index = 0; index < CASES; index++) {
      const input = fuzzInput(Rng.forCase(SEED, index));
      for (const utf8Accept of [false, true]) {
        try {
          const result = parseWire(input, { utf8Accept });
          if (result.error) assert.ok(result.error.text.length > 0);
          else assert.ok(result.command && result.command.tag.length > 0 && result.command.name.length > 0);
        } catch (err) {
          assert.fail(`case ${index} ${JSON.stringify(input.toString('latin1'))} threw ${String(err)}`);
        }
      }
    }
  });

  it(`mailbox names: decoding is exact or refused, encoding round-trips (seed ${SEED})`, () => {
    const alphabet = ['&', '-', 'A', 'P', 'w', ',', '+', '/', 'a', '0', 'Z', '=', ' ', '\xfc'];
    for (let index = 0; index < CASES; index++) {
      const rng = Rng.forCase(SEED, index);
      const encoded = Array.from({ length: rng.int(0, 12) }, () => rng.pick(alphabet)).join('');
      try {
        assert.equal(encodeMailboxName(decodeMailboxName(encoded)), encoded, `case ${index}`);
      } catch (err) {
        if (!(err instanceof ImapParseError)) throw err;
      }
      const name = String.fromCodePoint(...Array.from({ length: rng.int(0, 6) }, () => randomCodePoint(rng)));
      assert.equal(decodeMailboxName(encodeMailboxName(name)), name, `case ${index}`);
    }
  });

  it(`writer: any NUL-free string is read back by the parser as written (seed ${SEED})`, () => {
    for (let index = 0; index < CASES; index++) {
      const rng = Rng.forCase(SEED, index);
      const value = Buffer.from(rng.bytes(rng.size(0, 100)).map((byte) => byte || 1));
      for (const utf8 of [false, true]) {
        const wire = Buffer.concat([Buffer.from('A1 LOGIN '), serialize(value, { utf8 }), Buffer.from(' x')]);
        const [arg] = parseOk(wire, { utf8Accept: utf8 }).args;
        assert.ok(arg.type === 'string' && arg.value.equals(value), `case ${index}`);
      }
    }
  });

  it(`command reader: random streams end in null, never an exception or a hang (seed ${SEED})`, async () => {
    const listener = net.createServer();
    listener.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    const { port } = listener.address() as net.AddressInfo;
    try {
      for (let index = 0; index < 60; index++) {
        const rng = Rng.forCase(SEED, index);
        const wire = Buffer.concat(Array.from({ length: rng.int(1, 20) }, () => fuzzInput(rng)));
        const accepted = once(listener, 'connection');
        const client = net.connect(port, '127.0.0.1');
        const [server] = (await accepted) as [net.Socket];
        sockets.push(server, client);
        client.on('error', () => {});
        const reader = new CommandReader(new LineReader().attach(server), {
          limits: { maxLineBytes: 200, maxLiteralBytes: 64, maxCommandBytes: 300, maxAppendBytes: 1000 },
          literalPlus: rng.chance(0.5),
          sendContinuation: (line) => {
            if (server.writable) server.write(line);
          },
        });
        client.end(wire);
        let events = 0;
        for (let event = await reader.next(); event; event = await reader.next()) {
          events++;
          if (event.kind === 'literal-stream' && rng.chance(0.7)) {
            try {
              for await (const _chunk of event.literal);
            } catch {
              // The peer left mid-literal: the next call returns null.
            }
          }
          assert.ok(events < 10_000, `case ${index} does not end`);
        }
      }
    } finally {
      listener.close();
    }
  });
});

function randomCodePoint(rng: Rng): number {
  const code = rng.weighted<number>([
    [3, rng.int(0x20, 0x7e)],
    [2, rng.int(0x80, 0xd7ff)],
    [1, rng.int(0xe000, 0xffff)],
    [1, rng.int(0x10000, 0x10ffff)],
    [1, rng.int(0, 0x1f)],
  ]);
  return code;
}
