import { createConnection } from 'node:net';
import { performance } from 'node:perf_hooks';
import process from 'node:process';

const CRLF = Buffer.from('\r\n');
const END_OF_MULTILINE = Buffer.from('\r\n.\r\n');
const TIMEOUT_MS = 120_000;

/**
 * One POP3 connection without pipelining: every command waits for its complete response, so a
 * response is exactly the bytes that arrived since the command was written. That keeps parsing
 * cheap (the load generator shares the CPUs with the server) and makes per-command latency exact.
 */
class Pop3Connection {
  #socket;
  #chunks = [];
  #tail = Buffer.alloc(0);
  #pending;

  static open(port) {
    return new Promise((resolve, reject) => {
      const socket = createConnection({ port, host: '127.0.0.1' });
      socket.setNoDelay(true);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new Pop3Connection(socket));
      });
    });
  }

  constructor(socket) {
    this.#socket = socket;
    socket.setTimeout(TIMEOUT_MS, () => this.#fail(new Error('no answer for 120 s')));
    socket.on('data', (chunk) => this.#received(chunk));
    socket.on('error', (err) => this.#fail(err));
    socket.on('close', () => this.#fail(new Error('the server closed the connection')));
  }

  /** The greeting. */
  greeting() {
    return this.#expect('line');
  }

  /** A one-line command; resolves the reply without CRLF, rejects on -ERR. */
  async command(text) {
    this.#socket.write(`${text}\r\n`);
    return (await this.#expect('line')).subarray(0, -2).toString('latin1');
  }

  /** A multi-line command; resolves the raw response: status line, stuffed body, ".CRLF". */
  multiLine(text) {
    this.#socket.write(`${text}\r\n`);
    return this.#expect('multi');
  }

  close() {
    this.#socket.destroy();
  }

  #expect(kind) {
    return new Promise((resolve, reject) => {
      this.#pending = { kind, resolve, reject };
      this.#check();
    });
  }

  #received(chunk) {
    this.#chunks.push(chunk);
    this.#tail = Buffer.concat([this.#tail, chunk]).subarray(-END_OF_MULTILINE.length);
    this.#check();
  }

  #check() {
    const pending = this.#pending;
    if (!pending || this.#chunks.length === 0) return;
    const first = this.#chunks[0];
    // An -ERR is one line even where a multi-line response was asked for.
    const oneLine = pending.kind === 'line' || first[0] === 0x2d;
    const complete = oneLine ? this.#tail.subarray(-2).equals(CRLF) : this.#tail.equals(END_OF_MULTILINE);
    if (!complete) return;
    const response = this.#chunks.length === 1 ? first : Buffer.concat(this.#chunks);
    this.#chunks = [];
    this.#tail = Buffer.alloc(0);
    this.#pending = undefined;
    if (response[0] !== 0x2b)
      pending.reject(new Error(`server said: ${response.toString('latin1', 0, 200).trim()}`));
    else pending.resolve(response);
  }

  #fail(err) {
    const pending = this.#pending;
    this.#pending = undefined;
    this.#socket.destroy();
    pending?.reject(err);
  }
}

/**
 * The load: one session per mailbox, all at once. Every session connects and logs in (USER/PASS)
 * first; when all are in, the clock starts and each runs LIST, RETR of every message (no DELE),
 * QUIT; the clock stops when the last QUIT is answered. `whenLoggedIn` runs (untimed) in between. Logins are outside the timed window: the
 * issue asks for RETR throughput, and password hashing (scrypt in Mailwright) is a separate cost.
 *
 * Resolves { seconds, window, messages, octets, retrLatenciesMs, loginMs, responses } where `responses`
 * holds each session's LIST and RETR bytes for `verifyResponses` (checked after the timed window,
 * so that the check costs the server no CPU time).
 */
export async function runPop3Load({ port, mailboxes, password, whenLoggedIn = async () => undefined }) {
  const logins = await Promise.allSettled(
    mailboxes.map(async ({ user, login }) => {
      const started = performance.now();
      const connection = await Pop3Connection.open(port);
      try {
        await connection.greeting();
        await connection.command(`USER ${login}`);
        await connection.command(`PASS ${password}`);
      } catch (err) {
        connection.close();
        throw err;
      }
      return { user, connection, loginMs: performance.now() - started };
    }),
  );
  const failed = logins.find((login) => login.status === 'rejected');
  const sessions = logins.filter((login) => login.status === 'fulfilled').map((login) => login.value);
  if (failed) {
    for (const { connection } of sessions) connection.close();
    throw new Error(`login failed: ${failed.reason.message}`);
  }

  await whenLoggedIn();
  const retrLatenciesMs = [];
  const started = performance.now();
  const windowStart = process.hrtime.bigint();
  const responses = await Promise.all(
    sessions.map(async ({ user, connection }) => {
      try {
        const list = await connection.multiLine('LIST');
        const count = list.toString('latin1').split('\r\n').length - 3; // status, entries, ".", ""
        const retrieved = [];
        for (let number = 1; number <= count; number += 1) {
          const sent = performance.now();
          retrieved.push(await connection.multiLine(`RETR ${number}`));
          retrLatenciesMs.push(performance.now() - sent);
        }
        await connection.command('QUIT');
        return { user, list, retrieved };
      } finally {
        connection.close();
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  // CLOCK_MONOTONIC in µs, the clock of V8's CPU profiles too: the server's profile can be cut to it.
  const window = { startUs: Number(windowStart / 1000n), endUs: Number(process.hrtime.bigint() / 1000n) };

  let messages = 0;
  let octets = 0;
  for (const { list } of responses) {
    for (const entry of listEntries(list)) {
      messages += 1;
      octets += entry.octets;
    }
  }
  return {
    seconds,
    window,
    messages,
    octets,
    retrLatenciesMs,
    loginMs: sessions.map((s) => s.loginMs),
    responses,
  };
}

/** LIST's "n octets" lines. */
function listEntries(list) {
  return list
    .toString('latin1')
    .split('\r\n')
    .slice(1, -2)
    .map((line) => {
      const [number, octets] = line.split(' ').map(Number);
      return { number, octets };
    });
}

/** A RETR response's message: without the status line and ".CRLF", dots un-stuffed (RFC 1939 §3). */
export function unstuff(response) {
  const body = response.subarray(response.indexOf(CRLF) + 2, response.length - 3);
  const text = body.toString('latin1').replace(/^\./gm, '');
  return Buffer.from(text, 'latin1');
}

/**
 * Checks that every session got every message of its mailbox byte for byte, once, and that LIST
 * reported the true sizes. The servers number messages in their own order (Dovecot in the order
 * it found the Maildir files), so messages are matched by Message-ID. Throws on the first mismatch.
 */
export function verifyResponses(responses, mailboxes) {
  const byUser = new Map(mailboxes.map((mailbox) => [mailbox.user, mailbox.messages]));
  for (const { user, list, retrieved } of responses) {
    const expected = new Map(byUser.get(user).map((message) => [messageId(message), message]));
    const entries = listEntries(list);
    if (entries.length !== expected.size || retrieved.length !== expected.size) {
      throw new Error(
        `${user}: LIST shows ${entries.length} messages, RETR got ${retrieved.length}, expected ${expected.size}`,
      );
    }
    for (const [i, response] of retrieved.entries()) {
      const message = unstuff(response);
      const id = messageId(message);
      const original = expected.get(id);
      if (!original)
        throw new Error(`${user}: RETR ${i + 1} is not one of the mailbox's messages (or came twice)`);
      if (!message.equals(original))
        throw new Error(`${user}: RETR ${i + 1} (${id}) differs from what was stored`);
      if (entries[i].octets !== original.length) {
        throw new Error(
          `${user}: LIST says ${entries[i].octets} octets for message ${i + 1}, RETR sent ${original.length}`,
        );
      }
      expected.delete(id);
    }
  }
}

function messageId(message) {
  const match = /^Message-ID: (<[^>]+>)/im.exec(message.toString('latin1', 0, 1024));
  return match?.[1];
}
