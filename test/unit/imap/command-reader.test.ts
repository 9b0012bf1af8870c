/**
 * CommandReader over a real socket pair: pipelining, line endings, literals buffered or streamed,
 * the limits and what is skipped after a refusal, and peers that leave.
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { LineReader, TruncatedReadError } from '../../../core/index.js';
import {
  CommandReader,
  DEFAULT_COMMAND_LIMITS,
  LITERAL_CONTINUATION,
  type CommandEvent,
  type CommandLimits,
} from '../../../plugins/imap/protocol/index.js';
import { showCommand, type Shown } from './parse-helpers.js';

const sockets: net.Socket[] = [];

afterEach(() => {
  for (const socket of sockets.splice(0)) socket.destroy();
});

interface Harness {
  reader: CommandReader;
  lines: LineReader;
  client: net.Socket;
  /** What the server wrote to the client (the continuations). */
  received: () => string;
}

async function harness(
  options: { limits?: Partial<CommandLimits>; literalPlus?: boolean } = {},
): Promise<Harness> {
  const listener = net.createServer();
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const { port } = listener.address() as net.AddressInfo;
  const accepted = once(listener, 'connection');
  const client = net.connect(port, '127.0.0.1');
  const [[server]] = (await Promise.all([accepted, once(client, 'connect')])) as [[net.Socket], unknown];
  listener.close();
  sockets.push(server, client);
  let received = '';
  client.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  const lines = new LineReader().attach(server);
  const reader = new CommandReader(lines, {
    limits: { ...DEFAULT_COMMAND_LIMITS, ...options.limits },
    literalPlus: options.literalPlus,
    sendContinuation: (line) => {
      server.write(line);
    },
  });
  return { reader, lines, client, received: () => received };
}

/** An event as a plain value: a command's showCommand, an error's response line, a stream marker. */
function show(event: CommandEvent | null): Shown[] | string | null {
  if (!event) return null;
  if (event.kind === 'error') return event.error.responseLine;
  if (event.kind === 'command') return showCommand(event.command);
  return ['STREAM', ...showCommand(event.command)];
}

async function nextShown(reader: CommandReader): Promise<Shown[] | string | null> {
  return show(await reader.next());
}

async function readAll(chunks: AsyncIterable<Buffer>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts).toString('latin1');
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 30));

describe('CommandReader: lines and buffered literals', () => {
  it('reads pipelined commands from one chunk, with CRLF or LF alone, skipping blank lines', async () => {
    const { reader, client } = await harness();
    client.write('A1 NOOP\r\nA2 LOGIN a b\n\r\n\nA3 SELECT INBOX\r\n');
    assert.deepEqual(await nextShown(reader), ['A1', 'NOOP']);
    assert.deepEqual(await nextShown(reader), ['A2', 'LOGIN', 'a', 'b']);
    assert.deepEqual(await nextShown(reader), ['A3', 'SELECT', 'INBOX']);
    client.end();
    assert.equal(await reader.next(), null);
  });

  it('answers a parse error and goes on with the next command', async () => {
    const { reader, client } = await harness();
    client.write('A1 LOGIN "unterminated\r\n NOOP\r\nA3 FROB\r\nA4 NOOP\r\n');
    assert.equal(await nextShown(reader), 'A1 BAD Unterminated quoted string');
    assert.equal(await nextShown(reader), '* BAD Missing tag');
    assert.equal(await nextShown(reader), 'A3 BAD Unknown command "FROB"');
    assert.deepEqual(await nextShown(reader), ['A4', 'NOOP']);
  });

  it('sends + for a synchronizing literal only after its line, then reads it', async () => {
    const { reader, client, received } = await harness();
    client.write('A1 LOGIN {4}\r\n');
    const event = reader.next();
    await settle();
    assert.equal(received(), LITERAL_CONTINUATION);
    client.write('fred {6}\r\n');
    await settle();
    assert.equal(received(), LITERAL_CONTINUATION.repeat(2));
    client.write('s3cr\r\n\r\nA2 NOOP\r\n');
    assert.deepEqual(show(await event), ['A1', 'LOGIN', '{fred}', '{s3cr\r\n}']);
    assert.deepEqual(await nextShown(reader), ['A2', 'NOOP']);
  });

  it('reads non-synchronizing literals without a + (RFC 7888), with LF-only lines too', async () => {
    const { reader, client, received } = await harness();
    client.write('A001 LOGIN {11+}\nFRED FOOBAR {7+}\r\nfat man\nA2 LOGIN {0+}\r\n {0}\r\n\r\n');
    assert.deepEqual(await nextShown(reader), ['A001', 'LOGIN', '{FRED FOOBAR}', '{fat man}']);
    assert.deepEqual(await nextShown(reader), ['A2', 'LOGIN', '{}', '{}']);
    await settle();
    assert.equal(received(), LITERAL_CONTINUATION, 'one + for the one synchronizing literal');
  });

  it('reads a literal split across many chunks', async () => {
    const { reader, client } = await harness();
    client.write('A1 LOGIN {10+}\r\n01');
    const event = reader.next();
    for (const piece of ['234', '56', '789', ' x\r\n']) {
      await settle();
      client.write(piece);
    }
    assert.deepEqual(show(await event), ['A1', 'LOGIN', '{0123456789}', 'x']);
  });

  it('applies UTF8=ACCEPT from the next command on', async () => {
    const { reader, client } = await harness();
    client.write('A1 SELECT "Entwürfe"\r\n');
    assert.match(String(await nextShown(reader)), /^A1 BAD 8-bit character in quoted string/);
    reader.utf8Accept = true;
    client.write('A2 SELECT "Entwürfe"\r\n');
    const event = await reader.next();
    assert.equal(event?.kind, 'command');
    if (event?.kind === 'command')
      assert.deepEqual(event.command.args[0], {
        type: 'string',
        value: Buffer.from('Entwürfe'),
        form: 'quoted',
      });
  });
});

describe('CommandReader: limits', () => {
  it('answers an over-long line BAD with its tag and goes on', async () => {
    const { reader, client } = await harness({ limits: { maxLineBytes: 100 } });
    client.write(`A1 LOGIN ${'x'.repeat(500)}\r\nA2 NOOP\r\n`);
    assert.equal(await nextShown(reader), 'A1 BAD Line longer than 100 bytes');
    assert.deepEqual(await nextShown(reader), ['A2', 'NOOP']);
    client.write(`${'y'.repeat(300)}\r\nA3 NOOP\r\n`);
    assert.equal(await nextShown(reader), '* BAD Line longer than 100 bytes');
    assert.deepEqual(await nextShown(reader), ['A3', 'NOOP']);
  });

  it('skips the non-synchronizing literal an over-long line announces, instead of running it', async () => {
    const { reader, client, received } = await harness({ limits: { maxLineBytes: 100 } });
    client.write(`A1 APPEND ${'x'.repeat(500)} {21+}\r\nA2 DELETE INBOX\r\nxyz \r\nA3 NOOP\r\n`);
    assert.equal(await nextShown(reader), 'A1 BAD Line longer than 100 bytes');
    assert.deepEqual(await nextShown(reader), ['A3', 'NOOP']);
    // A synchronizing one is never sent: nothing to skip.
    client.write(`A4 LOGIN ${'x'.repeat(500)} {5}\r\nA5 NOOP\r\n`);
    assert.equal(await nextShown(reader), 'A4 BAD Line longer than 100 bytes');
    assert.deepEqual(await nextShown(reader), ['A5', 'NOOP']);
    assert.equal(received(), '');
  });

  it('refuses a synchronizing literal over the limit with NO [TOOBIG] and no +', async () => {
    const { reader, client, received } = await harness({ limits: { maxLiteralBytes: 1000 } });
    client.write('A1 LOGIN {1001}\r\nA2 NOOP\r\n');
    assert.equal(
      await nextShown(reader),
      'A1 NO [TOOBIG] Literal of 1001 bytes is larger than the limit of 1000',
    );
    assert.deepEqual(await nextShown(reader), ['A2', 'NOOP']);
    assert.equal(received(), '');
  });

  it('reads and throws away a refused non-synchronizing literal and the rest of its command', async () => {
    const { reader, client } = await harness({ limits: { maxLiteralBytes: 10 }, literalPlus: true });
    client.write(`A1 LOGIN {20+}\r\n${'p'.repeat(20)} {3+}\r\nA9X\r\nA2 NOOP\r\n`);
    assert.equal(
      await nextShown(reader),
      'A1 NO [TOOBIG] Literal of 20 bytes is larger than the limit of 10',
    );
    assert.deepEqual(await nextShown(reader), ['A2', 'NOOP']);
  });

  it('under LITERAL- refuses a non-synchronizing literal over 4096 bytes with BAD [TOOBIG], after reading it', async () => {
    const { reader, client } = await harness({ limits: { maxLiteralBytes: 100_000 } });
    client.write(`A1 LOGIN {4097+}\r\n${'A2 NOOP\r\n'.repeat(455)}xx\r\nA3 NOOP\r\n`);
    assert.equal(
      await nextShown(reader),
      'A1 BAD [TOOBIG] Non-synchronizing literal of 4097 bytes: LITERAL- allows 4096 at most, send {4097}',
    );
    assert.deepEqual(await nextShown(reader), ['A3', 'NOOP']);
    client.write(`A4 LOGIN {4096+}\r\n${'z'.repeat(4096)} x\r\n`);
    const event = await reader.next();
    assert.equal(event?.kind, 'command');
  });

  it('skips a non-synchronizing literal announced by a line that does not parse', async () => {
    const { reader, client } = await harness();
    client.write('A1 LOGIN "bad\\q" {9+}\r\nA2 NOOP\r\n x {3+}\r\nA3X\r\nA4 NOOP\r\n');
    assert.equal(
      await nextShown(reader),
      'A1 BAD Invalid escape "\\q" in quoted string: only \\\\ and \\" are allowed',
    );
    assert.deepEqual(await nextShown(reader), ['A4', 'NOOP']);
  });

  it('bounds the literals of one command together', async () => {
    const { reader, client } = await harness({ limits: { maxLiteralBytes: 100, maxCommandBytes: 150 } });
    client.write(`A1 LOGIN {90+}\r\n${'a'.repeat(90)} {90+}\r\n${'b'.repeat(90)}\r\nA2 NOOP\r\n`);
    assert.equal(await nextShown(reader), 'A1 NO [TOOBIG] Command longer than 150 bytes');
    assert.deepEqual(await nextShown(reader), ['A2', 'NOOP']);
  });

  it('returns null when the peer leaves inside a literal or a line', async () => {
    const first = await harness();
    first.client.end('A1 LOGIN {10+}\r\nabc');
    assert.equal(await first.reader.next(), null);
    const second = await harness();
    second.client.end('A1 NOO');
    assert.equal(await second.reader.next(), null);
  });
});

describe('CommandReader: APPEND streams its message', () => {
  it('hands over the message as a stream, sends + when reading starts, then completes the command', async () => {
    const { reader, client, received } = await harness();
    client.write('A003 APPEND saved-messages (\\Seen) {22}\r\n');
    const event = await reader.next();
    assert.equal(event?.kind, 'literal-stream');
    if (event?.kind !== 'literal-stream') return;
    assert.deepEqual(show(event), ['STREAM', 'A003', 'APPEND', 'saved-messages', ['\\Seen'], 'stream:22']);
    assert.equal(event.literal.sync, true);
    await settle();
    assert.equal(received(), '', 'no + before the command reads the message');
    const body = readAll(event.literal);
    await settle();
    assert.equal(received(), LITERAL_CONTINUATION);
    client.write('Subject: hi\r\n\r\nHello\r\n\r\nA004 NOOP\r\n');
    assert.equal(await body, 'Subject: hi\r\n\r\nHello\r\n');
    assert.deepEqual(await nextShown(reader), ['A003', 'APPEND', 'saved-messages', ['\\Seen'], 'stream:22']);
    assert.deepEqual(await nextShown(reader), ['A004', 'NOOP']);
  });

  it('buffers the mailbox literal and streams the messages of a MULTIAPPEND one by one', async () => {
    const { reader, client } = await harness();
    client.write(
      'A1 APPEND {5+}\r\nINBOX {3+}\r\none (\\Seen) "1-Jan-2020 00:00:00 +0000" ~{3+}\r\nt\x00o\r\n',
    );
    const first = await reader.next();
    assert.equal(first?.kind, 'literal-stream');
    if (first?.kind !== 'literal-stream') return;
    assert.deepEqual(show(first), ['STREAM', 'A1', 'APPEND', '{INBOX}', 'stream:3']);
    assert.equal(await readAll(first.literal), 'one');
    const second = await reader.next();
    assert.equal(second?.kind, 'literal-stream');
    if (second?.kind !== 'literal-stream') return;
    assert.equal(second.literal.binary, true);
    assert.equal(await readAll(second.literal), 't\x00o');
    assert.deepEqual(await nextShown(reader), [
      'A1',
      'APPEND',
      '{INBOX}',
      'stream:3',
      ['\\Seen'],
      '"1-Jan-2020 00:00:00 +0000"',
      'stream:3',
    ]);
  });

  it('lets the command refuse a synchronizing message unread: no +, nothing skipped', async () => {
    const { reader, client, received } = await harness();
    client.write('A1 APPEND Nonexistent {50}\r\n');
    const event = await reader.next();
    assert.equal(event?.kind, 'literal-stream');
    // The session answers `A1 NO [TRYCREATE]` here; the client then sends its next command.
    client.write('A2 NOOP\r\n');
    assert.deepEqual(await nextShown(reader), ['A2', 'NOOP']);
    assert.equal(received(), '');
  });

  it('skips an unread non-synchronizing message and the rest of its command', async () => {
    const { reader, client } = await harness({ literalPlus: true });
    client.write('A1 APPEND Nonexistent {9+}\r\nA2 DELETE (\\Seen) {2+}\r\nxx\r\nA3 NOOP\r\n');
    const event = await reader.next();
    assert.equal(event?.kind, 'literal-stream');
    assert.deepEqual(await nextShown(reader), ['A3', 'NOOP']);
  });

  it('skips the rest of a message left half-read, and fails a later read of it', async () => {
    const { reader, client } = await harness();
    client.write('A1 APPEND box {10+}\r\n01234');
    const event = await reader.next();
    if (event?.kind !== 'literal-stream') return assert.fail('expected a stream');
    const iterator = event.literal[Symbol.asyncIterator]();
    const first = await iterator.next();
    assert.equal(first.value?.toString(), '01234');
    client.write('56789\r\nA2 NOOP\r\n');
    assert.deepEqual(await nextShown(reader), ['A2', 'NOOP']);
    await assert.rejects(iterator.next(), /moved past this literal/);
  });

  it('ends the command in an error after the message when what follows does not parse', async () => {
    const { reader, client } = await harness();
    client.write('A1 APPEND box {3+}\r\nabcjunk\r\nA2 NOOP\r\n');
    const event = await reader.next();
    if (event?.kind !== 'literal-stream') return assert.fail('expected a stream');
    assert.equal(await readAll(event.literal), 'abc');
    assert.equal(await nextShown(reader), 'A1 BAD Expected a space before "junk"');
    assert.deepEqual(await nextShown(reader), ['A2', 'NOOP']);
  });

  it('refuses a message over the APPEND limit before reading it', async () => {
    const { reader, client, received } = await harness({ limits: { maxAppendBytes: 1000 } });
    client.write('A1 APPEND box {1001}\r\nA2 APPEND box {1001+}\r\n');
    client.write('x'.repeat(1001) + '\r\nA3 NOOP\r\n');
    assert.equal(
      await nextShown(reader),
      'A1 NO [TOOBIG] Message of 1001 bytes is larger than the limit of 1000',
    );
    assert.equal(
      await nextShown(reader),
      'A2 NO [TOOBIG] Message of 1001 bytes is larger than the limit of 1000',
    );
    assert.deepEqual(await nextShown(reader), ['A3', 'NOOP']);
    assert.equal(received(), '');
  });

  it('fails the stream when the peer leaves mid-message, then ends', async () => {
    const { reader, client } = await harness();
    client.write('A1 APPEND box {100+}\r\nhalf');
    const event = await reader.next();
    if (event?.kind !== 'literal-stream') return assert.fail('expected a stream');
    const body = readAll(event.literal);
    await settle();
    client.end();
    await assert.rejects(body, TruncatedReadError);
    assert.equal(await reader.next(), null);
  });

  it('streams a 5 MB message holding about one chunk at a time', async () => {
    const { reader, lines, client } = await harness();
    const size = 5 * 1024 * 1024;
    client.write(`A1 APPEND INBOX {${size}}\r\n`);
    const event = await reader.next();
    if (event?.kind !== 'literal-stream') return assert.fail('expected a stream');
    const block = Buffer.alloc(64 * 1024, 'q');
    const writer = (async () => {
      await once(client, 'data'); // the +
      for (let sent = 0; sent < size; sent += block.length) {
        if (!client.write(block)) await once(client, 'drain');
      }
      client.write('\r\n');
    })();
    let total = 0;
    let held = 0;
    for await (const chunk of event.literal) {
      total += chunk.length;
      held = Math.max(held, lines.buffered + chunk.length);
    }
    await writer;
    assert.equal(total, size);
    assert.ok(held <= 64 * 1024, `held ${held} bytes`);
    assert.equal((await reader.next())?.kind, 'command');
  });
});
