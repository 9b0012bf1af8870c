/**
 * LineReader.bytes(): counted data between lines (IMAP literals) over a real socket pair, with the
 * line reading around it, a peer leaving half-way, and memory bounded for a large literal.
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { LineReader, TruncatedReadError } from '../../core/index.js';

interface Pair {
  /** The server side, read by the LineReader. */
  server: net.Socket;
  /** The client side, written by the test. */
  client: net.Socket;
}

const open: net.Socket[] = [];

async function socketPair(): Promise<Pair> {
  const listener = net.createServer();
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const { port } = listener.address() as net.AddressInfo;
  const accepted = once(listener, 'connection');
  const client = net.connect(port, '127.0.0.1');
  const [[server]] = await Promise.all([accepted, once(client, 'connect')]);
  listener.close();
  open.push(server as net.Socket, client);
  return { server: server as net.Socket, client };
}

afterEach(() => {
  for (const socket of open.splice(0)) socket.destroy();
});

async function line(reader: LineReader): Promise<string | null> {
  const event = await reader.next(1000);
  if (!event) return null;
  assert.equal(event.kind, 'line');
  return event.kind === 'line' ? event.raw.toString('latin1') : null;
}

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('LineReader.bytes (literal hand-off)', () => {
  it('reads a literal split across chunks, then lines again where it ended', async () => {
    const { server, client } = await socketPair();
    const reader = new LineReader().attach(server);
    client.write('A1 LOGIN {11}\r\nfred ');
    assert.equal(await line(reader), 'A1 LOGIN {11}\r\n');
    const literal = collect(reader.bytes(11));
    await pause(20);
    client.write('foo');
    await pause(20);
    client.write('bar\r\nA2 NOOP\r\n');
    assert.equal((await literal).toString(), 'fred foobar');
    assert.equal(await line(reader), '\r\n');
    assert.equal(await line(reader), 'A2 NOOP\r\n');
  });

  it('takes a literal and the lines after it from one chunk', async () => {
    const { server, client } = await socketPair();
    const reader = new LineReader().attach(server);
    client.write('A1 X {5}\r\nab\ncd FOO\r\nA2 NOOP\r\nA3 LOGOUT\r\n');
    assert.equal(await line(reader), 'A1 X {5}\r\n');
    // The literal holds an LF: counted bytes are never cut at line ends.
    assert.equal((await collect(reader.bytes(5))).toString(), 'ab\ncd');
    assert.equal(await line(reader), ' FOO\r\n');
    assert.equal(await line(reader), 'A2 NOOP\r\n');
    assert.equal(await line(reader), 'A3 LOGOUT\r\n');
  });

  it('hands out a literal of 0 bytes as no chunks', async () => {
    const { server, client } = await socketPair();
    const reader = new LineReader().attach(server);
    client.write('A1 X {0}\r\n\r\n');
    assert.equal(await line(reader), 'A1 X {0}\r\n');
    assert.equal((await collect(reader.bytes(0))).length, 0);
    assert.equal(await line(reader), '\r\n');
  });

  it('ends with TruncatedReadError when the peer leaves mid-literal', async () => {
    const { server, client } = await socketPair();
    const reader = new LineReader().attach(server);
    client.write('A1 APPEND INBOX {100}\r\n0123456789');
    assert.equal(await line(reader), 'A1 APPEND INBOX {100}\r\n');
    const literal = collect(reader.bytes(100));
    await pause(20);
    client.end();
    await assert.rejects(literal, (err: unknown) => {
      assert.ok(err instanceof TruncatedReadError);
      assert.equal(err.expected, 100);
      assert.equal(err.received, 10);
      return true;
    });
    assert.equal(await reader.next(1000), null);
  });

  it('ends when the socket is destroyed mid-literal, without hanging', async () => {
    const { server, client } = await socketPair();
    const reader = new LineReader().attach(server);
    client.write('A1 APPEND INBOX {100}\r\nabc');
    assert.equal(await line(reader), 'A1 APPEND INBOX {100}\r\n');
    const literal = collect(reader.bytes(100));
    await pause(20);
    client.destroy();
    await assert.rejects(literal, TruncatedReadError);
  });

  it('streams a 20 MB literal to a slow consumer while holding at most one chunk', async () => {
    const { server, client } = await socketPair();
    const reader = new LineReader().attach(server);
    const size = 20 * 1024 * 1024;
    const block = Buffer.alloc(256 * 1024, 'm');
    let sent = 0;
    const writer = (async () => {
      client.write(`A1 APPEND INBOX {${size}}\r\n`);
      while (sent < size) {
        const piece = block.subarray(0, Math.min(block.length, size - sent));
        sent += piece.length;
        if (!client.write(piece)) await once(client, 'drain');
      }
      client.write(' done\r\n');
    })();
    assert.equal(await line(reader), `A1 APPEND INBOX {${size}}\r\n`);
    let received = 0;
    let maxBuffered = 0;
    let maxAhead = 0;
    let chunks = 0;
    for await (const chunk of reader.bytes(size)) {
      assert.ok(chunk.every((byte) => byte === 0x6d));
      received += chunk.length;
      maxBuffered = Math.max(maxBuffered, reader.buffered + chunk.length);
      if (++chunks % 16 === 0) {
        await pause(1);
        // What the peer managed to send beyond what we consumed is held by the kernel's socket
        // buffers and the writer's own queue, not by the reader.
        maxAhead = Math.max(maxAhead, sent - received);
      }
    }
    assert.equal(received, size);
    // One socket read at most (Node reads up to 64 KiB at a time).
    assert.ok(maxBuffered <= 64 * 1024, `reader held ${maxBuffered} bytes`);
    // Backpressure reached the peer: it could never run far ahead of the consumer.
    assert.ok(maxAhead < 8 * 1024 * 1024, `peer ran ${maxAhead} bytes ahead`);
    assert.equal(await line(reader), ' done\r\n');
    await writer;
  });
});

describe('LineReader.skipRest (end of an over-long line)', () => {
  it('gives the last bytes of an over-long line once its LF has arrived', async () => {
    const { server, client } = await socketPair();
    const reader = new LineReader().attach(server);
    client.write('A1 ' + 'x'.repeat(3000));
    const event = await reader.next(100);
    assert.equal(event?.kind, 'too-long');
    if (event?.kind === 'too-long') assert.equal(event.head.subarray(0, 3).toString(), 'A1 ');
    const tail = reader.skipRest();
    await pause(20);
    client.write('y'.repeat(5000) + ' {12+}\r\nhello world!\r\n');
    assert.equal((await tail)?.toString(), 'yyyyyyyyyyyyyyyyyyyyyyyy {12+}\r\n');
    assert.equal((await collect(reader.bytes(12))).toString(), 'hello world!');
    assert.equal(await line(reader), '\r\n');
  });

  it('gives the tail at once when the whole over-long line was received', async () => {
    const { server, client } = await socketPair();
    const reader = new LineReader().attach(server);
    client.write('A1 ' + 'x'.repeat(200) + ' {3}\r\nA2 NOOP\r\n');
    await pause(20);
    const event = await reader.next(100);
    assert.equal(event?.kind, 'too-long');
    assert.ok((await reader.skipRest())?.toString().endsWith('x {3}\r\n'));
    assert.equal(await line(reader), 'A2 NOOP\r\n');
  });
});
