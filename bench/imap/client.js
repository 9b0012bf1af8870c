import { createConnection } from 'node:net';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';

const CRLF = Buffer.from('\r\n');
const TIMEOUT_MS = 120_000;
/** A response line (without its literals) longer than this is malformed for this load. */
const MAX_LINE = 1024 * 1024;

/**
 * One raw IMAP connection (no client library), over TCP or implicit TLS. It splits what the server
 * sends into responses: a response is its text parts and literals in order, `[text, literal,
 * text, ...]` (a line ending in `{n}` is followed by n octets, then the line goes on). Tagged
 * responses complete the command waiting for them; untagged ones go to `onUntagged` (the session
 * checker) as they arrive; a continuation (`+`) is handed to whoever waits for one. Commands are not
 * pipelined: one waits for its tagged response before the next is written, which makes the latency
 * of each command exact.
 *
 * Whatever cannot be read as IMAP (no tag, a tagged response nobody waits for, an unexpected
 * continuation, a line that never ends) is reported to `onError` and counted by the checker.
 */
export class ImapConnection {
  #socket;
  #buffer = Buffer.alloc(0);
  #parts = [];
  /** Octets of the literal being read, or -1 while reading a line. */
  #literal = -1;
  #tagCounter = 0;
  #pending;
  #continuation;
  #closed = false;
  /** Why the connection ended, when it was not closed by us. */
  closeReason;
  onUntagged = () => undefined;
  onError = () => undefined;

  /** Connects; with `secure` over TLS (certificates are not verified: the servers use a bench one). */
  static open({ port, secure = false, host = '127.0.0.1' }) {
    return new Promise((resolve, reject) => {
      const socket = secure
        ? tls.connect({ port, host, rejectUnauthorized: false })
        : createConnection({ port, host });
      socket.setNoDelay(true);
      socket.once('error', reject);
      socket.once(secure ? 'secureConnect' : 'connect', () => {
        socket.off('error', reject);
        resolve(new ImapConnection(socket));
      });
    });
  }

  constructor(socket) {
    this.#socket = socket;
    socket.setTimeout(TIMEOUT_MS, () => this.#fail(new Error(`no answer for ${TIMEOUT_MS / 1000} s`)));
    socket.on('data', (chunk) => this.#received(chunk));
    socket.on('error', (err) => this.#fail(err));
    socket.on('close', () => this.#fail(new Error('the server closed the connection')));
  }

  get closed() {
    return this.#closed;
  }

  /** The greeting: resolves its first line (`* OK ...`). */
  greeting() {
    return new Promise((resolve, reject) => {
      this.#pending = { tag: '*', resolve, reject, started: performance.now() };
    });
  }

  /**
   * Writes `<tag> <text>` (and `literal`, announced by the caller as `{n+}` at the end of `text`)
   * and resolves { status, text, ms } once the tagged response arrives.
   */
  command(text, literal) {
    const tag = `b${(this.#tagCounter += 1)}`;
    return new Promise((resolve, reject) => {
      if (this.#closed) return reject(new Error('the connection is closed'));
      this.#pending = { tag, resolve, reject, started: performance.now() };
      const line = Buffer.from(`${tag} ${text}\r\n`, 'latin1');
      this.#socket.write(literal ? Buffer.concat([line, literal, CRLF]) : line);
    });
  }

  /** IDLE: resolves once the server's continuation arrives; `done()` then ends it. */
  async idle() {
    const tag = `b${(this.#tagCounter += 1)}`;
    const finished = new Promise((resolve, reject) => {
      this.#pending = { tag, resolve, reject, started: performance.now() };
    });
    finished.catch(() => undefined); // a failure surfaces through done()
    const continued = new Promise((resolve, reject) => {
      this.#continuation = { resolve, reject };
    });
    this.#socket.write(`${tag} IDLE\r\n`);
    // An idle connection may wait for longer than a command's answer would.
    this.#socket.setTimeout(0);
    await Promise.race([
      continued,
      finished.then(({ status, text }) => {
        throw new Error(`IDLE answered ${status} ${text}`);
      }),
    ]);
    return {
      done: () => {
        this.#socket.setTimeout(TIMEOUT_MS);
        this.#socket.write('DONE\r\n');
        return finished;
      },
    };
  }

  close() {
    this.#closed = true;
    this.#socket.destroy();
  }

  #received(chunk) {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    let at = 0;
    for (;;) {
      if (this.#literal >= 0) {
        if (this.#buffer.length - at < this.#literal) break;
        this.#parts.push(this.#buffer.subarray(at, at + this.#literal));
        at += this.#literal;
        this.#literal = -1;
        continue;
      }
      const end = this.#buffer.indexOf(CRLF, at);
      if (end < 0) {
        if (this.#buffer.length - at > MAX_LINE) {
          this.onError(`a response line longer than ${MAX_LINE} octets`);
          this.#fail(new Error('malformed response'));
          return;
        }
        break;
      }
      const line = this.#buffer.latin1Slice(at, end);
      at = end + 2;
      const literal = /\{(\d+)\}$/.exec(line);
      if (literal) {
        this.#parts.push(line.slice(0, literal.index));
        this.#literal = Number(literal[1]);
      } else {
        this.#parts.push(line);
        const parts = this.#parts;
        this.#parts = [];
        this.#dispatch(parts);
      }
    }
    this.#buffer = at === this.#buffer.length ? Buffer.alloc(0) : this.#buffer.subarray(at);
  }

  #dispatch(parts) {
    const first = parts[0];
    if (first.startsWith('* ')) {
      const pending = this.#pending;
      if (pending?.tag === '*') {
        this.#pending = undefined;
        pending.resolve({ status: first.slice(2, 4), text: first, ms: performance.now() - pending.started });
        return;
      }
      this.onUntagged(parts);
      return;
    }
    if (first.startsWith('+')) {
      const waiting = this.#continuation;
      this.#continuation = undefined;
      if (waiting) waiting.resolve(first);
      else this.onError(`an unexpected continuation: ${first.slice(0, 80)}`);
      return;
    }
    const match = /^(\S+) (OK|NO|BAD)(?: (.*))?$/i.exec(first);
    const pending = this.#pending;
    if (!match || parts.length !== 1) {
      this.onError(`a malformed response: ${first.slice(0, 120)}`);
      return;
    }
    if (!pending || pending.tag !== match[1]) {
      this.onError(`a tagged response for no command: ${first.slice(0, 120)}`);
      return;
    }
    this.#pending = undefined;
    pending.resolve({
      status: match[2].toUpperCase(),
      text: match[3] ?? '',
      ms: performance.now() - pending.started,
    });
  }

  #fail(err) {
    if (!this.#closed) this.closeReason = err.message;
    this.#closed = true;
    this.#socket.destroy();
    const pending = this.#pending;
    const continuation = this.#continuation;
    this.#pending = undefined;
    this.#continuation = undefined;
    pending?.reject(err);
    continuation?.reject(err);
  }
}

/**
 * Reads IMAP values (RFC 3501 §4) from a response's parts: atoms (a `BODY[...]<n>` section spec
 * is one atom, spaces and parentheses inside its brackets included), numbers, quoted strings,
 * literals (Buffers), NIL (null) and parenthesised lists. Throws on anything else.
 */
export class ValueReader {
  #parts;
  #index = 0;
  #at;

  /** Starts in the first text part at offset `at`. */
  constructor(parts, at) {
    this.#parts = parts;
    this.#at = at;
  }

  get #text() {
    return this.#parts[this.#index];
  }

  /** True when every part has been read. */
  get atEnd() {
    return this.#index === this.#parts.length - 1 && this.#at >= this.#text.length;
  }

  skipSpace() {
    while (this.#text[this.#at] === ' ') this.#at += 1;
  }

  /** Consumes `char` (after optional spaces) or throws. */
  expect(char) {
    this.skipSpace();
    if (this.#text[this.#at] !== char) throw new Error(`expected "${char}" at ${this.#where()}`);
    this.#at += 1;
  }

  /** Whether the next character (after spaces) is `char`, without consuming it. */
  peek(char) {
    this.skipSpace();
    return this.#text[this.#at] === char;
  }

  value() {
    this.skipSpace();
    const text = this.#text;
    if (this.#at >= text.length) {
      // The end of a text part that a literal follows.
      if (this.#index + 1 >= this.#parts.length) throw new Error('a value expected, the response ended');
      const literal = this.#parts[this.#index + 1];
      this.#index += 2;
      this.#at = 0;
      return literal;
    }
    const char = text[this.#at];
    if (char === '(') {
      this.#at += 1;
      const list = [];
      while (!this.peek(')')) list.push(this.value());
      this.#at += 1;
      return list;
    }
    if (char === '"') return this.#quoted();
    return this.atom();
  }

  atom() {
    this.skipSpace();
    const text = this.#text;
    const start = this.#at;
    let depth = 0;
    for (; this.#at < text.length; this.#at += 1) {
      const char = text[this.#at];
      if (char === '[') depth += 1;
      else if (char === ']') depth -= 1;
      else if (depth === 0 && (char === ' ' || char === '(' || char === ')' || char === '"')) break;
    }
    if (this.#at === start || depth !== 0) throw new Error(`an atom expected at ${this.#where()}`);
    const atom = text.slice(start, this.#at);
    return atom === 'NIL' ? null : atom;
  }

  #quoted() {
    const text = this.#text;
    let out = '';
    for (this.#at += 1; this.#at < text.length; this.#at += 1) {
      const char = text[this.#at];
      if (char === '"') {
        this.#at += 1;
        return out;
      }
      if (char === '\\') this.#at += 1;
      out += text[this.#at];
    }
    throw new Error('an unterminated quoted string');
  }

  #where() {
    return `"${this.#text.slice(Math.max(0, this.#at - 20), this.#at + 20)}"`;
  }
}
