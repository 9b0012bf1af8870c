import { ValueReader } from './client.js';
import { declaredSize } from './messages.js';

/**
 * Protocol errors of a whole run: a count and the first few descriptions (printed, so that a
 * failing run says what went wrong).
 */
export class ErrorLog {
  count = 0;
  samples = [];

  add(where, message) {
    this.count += 1;
    if (this.samples.length < 10) this.samples.push(`${where}: ${message}`);
  }
}

/** The header fields the load fetches, in the order a FETCH names them. */
export const HEADER_FIELDS = ['FROM', 'SUBJECT', 'DATE'];

/**
 * What one session's client knows of its selected mailbox, kept from the server's untagged
 * responses as RFC 3501 §7 defines them: the message count (EXISTS, EXPUNGE) and each message's
 * flags by sequence number (FETCH FLAGS; a message the session appended has none). Every untagged
 * response is checked against it as it arrives: a sequence number beyond EXISTS, an EXISTS that
 * shrinks, a FETCH that does not parse, a BODY[] literal of another length than the message
 * declares, header fields other than those asked for, an untagged BAD/NO/BYE, an unknown response:
 * each is one protocol error. The load checks each command's outcome with `fetched`, `expunged`
 * and `searched`, which hold what the current command brought.
 */
export class SessionChecker {
  exists = 0;
  /** Flags by sequence number - 1: a Set, or null while unknown. */
  flags = [];
  fetched = new Map();
  expunged = [];
  searched = null;
  /** `* BYE` seen (fine after LOGOUT only). */
  bye = false;
  /** Between connecting and the end of SELECT: the flags of the messages EXISTS counts are unknown. */
  selecting = true;

  constructor(label, errors) {
    this.label = label;
    this.errors = errors;
  }

  error(message) {
    this.errors.add(this.label, message);
  }

  /** A new command starts: forget what the previous one brought. */
  begin() {
    this.fetched = new Map();
    this.expunged = [];
    this.searched = null;
  }

  /** A new connection before its SELECT. */
  reset() {
    this.exists = 0;
    this.flags = [];
    this.bye = false;
    this.selecting = true;
    this.begin();
  }

  untagged(parts) {
    const first = parts[0];
    const numbered = /^\* (\d+) ([A-Za-z]+)/.exec(first);
    if (numbered) {
      const number = Number(numbered[1]);
      const name = numbered[2].toUpperCase();
      if (name === 'FETCH') return this.#fetch(number, parts, numbered[0].length);
      if (parts.length !== 1) return this.error(`a literal in "${first.slice(0, 80)}"`);
      if (name === 'EXISTS') return this.#existsResponse(number);
      if (name === 'EXPUNGE') return this.#expunge(number);
      if (name === 'RECENT') {
        if (number > this.exists) this.error(`RECENT ${number} beyond EXISTS ${this.exists}`);
        return;
      }
      return this.error(`unknown response "${first.slice(0, 80)}"`);
    }
    const status = /^\* (OK|NO|BAD|BYE|PREAUTH)\b ?(.*)$/i.exec(first);
    if (status) {
      const kind = status[1].toUpperCase();
      if (kind === 'BYE') this.bye = true;
      else if (kind === 'NO' || kind === 'BAD') this.error(`untagged ${kind}: ${first.slice(0, 120)}`);
      const unseen = /^\[UNSEEN (\d+)\]/i.exec(status[2]);
      if (unseen && Number(unseen[1]) > this.exists)
        this.error(`[UNSEEN ${unseen[1]}] beyond EXISTS ${this.exists}`);
      return;
    }
    const data = /^\* ([A-Za-z]+)\b(.*)$/.exec(first);
    const name = data?.[1].toUpperCase();
    if (name === 'SEARCH') return this.#search(data[2]);
    if (['FLAGS', 'CAPABILITY', 'LIST', 'LSUB', 'STATUS', 'ENABLED', 'ID', 'NAMESPACE'].includes(name))
      return;
    this.error(`unknown response "${first.slice(0, 80)}"`);
  }

  #existsResponse(number) {
    if (number < this.exists) {
      this.error(`EXISTS ${number} below ${this.exists} without EXPUNGE`);
      this.flags.length = number;
    }
    // A message appended since the client last looked carries no flags (this session's APPENDs
    // send none, and no other session writes into its mailbox).
    while (this.flags.length < number) this.flags.push(this.selecting ? null : new Set());
    this.exists = number;
  }

  #expunge(number) {
    if (number < 1 || number > this.exists) {
      this.error(`EXPUNGE ${number} beyond EXISTS ${this.exists}`);
      return;
    }
    this.flags.splice(number - 1, 1);
    this.exists -= 1;
    this.expunged.push(number);
  }

  #search(rest) {
    const numbers = rest.trim() === '' ? [] : rest.trim().split(/ +/);
    this.searched ??= [];
    for (const text of numbers) {
      const number = Number(text);
      if (!/^\d+$/.test(text) || number < 1 || number > this.exists) {
        this.error(`SEARCH result "${text}" is not a sequence number within EXISTS ${this.exists}`);
        continue;
      }
      this.searched.push(number);
    }
  }

  #fetch(number, parts, offset) {
    if (number < 1 || number > this.exists) {
      this.error(`FETCH ${number} beyond EXISTS ${this.exists}`);
      return;
    }
    const items = this.fetched.get(number) ?? {};
    try {
      const reader = new ValueReader(parts, offset);
      reader.expect('(');
      while (!reader.peek(')')) {
        const key = reader.atom().toUpperCase();
        items[key] = reader.value();
      }
      reader.expect(')');
      if (!reader.atEnd) throw new Error('text after the closing parenthesis');
    } catch (err) {
      this.error(`FETCH ${number} does not parse (${err.message}): ${parts[0].slice(0, 100)}`);
      return;
    }
    if ('FLAGS' in items) {
      const flags = items.FLAGS;
      if (!Array.isArray(flags) || flags.some((flag) => typeof flag !== 'string')) {
        this.error(`FETCH ${number} FLAGS is not a list of flags`);
      } else {
        this.flags[number - 1] = new Set(flags.filter((flag) => flag.toLowerCase() !== '\\recent'));
      }
    }
    for (const [key, value] of Object.entries(items)) {
      if (key === 'BODY[]') this.#checkBody(number, value);
      else if (key.startsWith('BODY[HEADER.FIELDS')) this.#checkHeaders(number, value);
    }
    this.fetched.set(number, items);
  }

  #checkBody(number, value) {
    if (!Buffer.isBuffer(value)) return this.error(`FETCH ${number} BODY[] is not a literal`);
    const size = declaredSize(value);
    if (size !== value.length)
      this.error(`FETCH ${number} BODY[] literal of ${value.length} octets, the message has ${size}`);
  }

  #checkHeaders(number, value) {
    const text = Buffer.isBuffer(value) ? value.toString('latin1') : value;
    if (typeof text !== 'string' || !text.endsWith('\r\n\r\n'))
      return this.error(`FETCH ${number} HEADER.FIELDS does not end with an empty line`);
    const names = text
      .slice(0, -4)
      .split('\r\n')
      .filter((line) => !/^[ \t]/.test(line))
      .map((line) => line.slice(0, line.indexOf(':')).toUpperCase())
      .sort();
    if (names.join() !== [...HEADER_FIELDS].sort().join())
      this.error(`FETCH ${number} HEADER.FIELDS returned ${names.join(', ') || 'nothing'}`);
  }

  /** Whether every message's flags are known (so that SEARCH UNSEEN can be checked). */
  get flagsKnown() {
    return this.flags.length === this.exists && this.flags.every((flags) => flags !== null);
  }
}
