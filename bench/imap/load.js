/**
 * The IMAP load: N concurrent sessions (one per mailbox, so a session's mailbox changes only
 * through its own commands), each connecting, logging in (LOGIN), selecting INBOX and fetching
 * every message's flags (as a client does to sync), outside the clock; when all are in, the clock
 * starts and each session draws `ops` operations from this mix (weights are percentages):
 *
 *   fetch-headers 25  FETCH a:a+19 (BODY.PEEK[HEADER.FIELDS (FROM SUBJECT DATE)])  a page of a message list
 *   fetch-body    20  FETCH n BODY.PEEK[]                                          open a message
 *   store-seen    15  STORE n +FLAGS (\Seen)                                       mark it read
 *   noop          14  NOOP                                                         poll
 *   fetch-flags   10  FETCH 1:* (FLAGS)                                            resync all flags
 *   search         5  SEARCH UNSEEN                                                (dropped, and the other
 *                                                                                  weights scaled, when the
 *                                                                                  server lacks SEARCH)
 *   append         5  APPEND INBOX {10240+}: a 10 KB message                      (LITERAL+)
 *   expunge        5  STORE n +FLAGS.SILENT (\Deleted), then EXPUNGE               delete one message
 *   logout         1  LOGOUT, then connect, LOGIN, SELECT INBOX, FETCH 1:* (FLAGS) a client reconnecting
 *
 * APPEND and EXPUNGE balance, so the mailboxes keep their size. n and a are drawn uniformly from
 * the messages the session knows; the draws come from a generator seeded per session and pass,
 * so every server gets the same sequence of operations. Commands are not pipelined. Each session
 * ends with LOGOUT; the clock stops when the last one is answered.
 *
 * Every command counts as one operation for operations/s (an `expunge` draw is two: STORE and
 * EXPUNGE; a `logout` draw four); latency is per command kind, from writing the command to reading
 * its tagged response. The SessionChecker (checker.js) follows every untagged response; on top,
 * each command's outcome is checked: a tagged NO or BAD, a FETCH that misses a message it asked
 * for, a STORE whose FETCH response lacks the flag, an EXPUNGE that removes anything but the
 * message just marked \Deleted, a SEARCH UNSEEN that disagrees with the flags the session knows,
 * an APPEND whose EXISTS does not come by the end of the next command: each is a protocol error.
 */
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { HEADER_FIELDS, SessionChecker } from './checker.js';
import { ImapConnection } from './client.js';
import { APPEND_SIZE, buildMessage } from './messages.js';

export const MIX = [
  { op: 'fetch-headers', weight: 25 },
  { op: 'fetch-body', weight: 20 },
  { op: 'store-seen', weight: 15 },
  { op: 'noop', weight: 14 },
  { op: 'fetch-flags', weight: 10 },
  { op: 'search', weight: 5 },
  { op: 'append', weight: 5 },
  { op: 'expunge', weight: 5 },
  { op: 'logout', weight: 1 },
];

/** Command kinds in the order the report lists their latencies. */
export const COMMAND_KINDS = [
  'fetch-headers',
  'fetch-body',
  'store-seen',
  'noop',
  'fetch-flags',
  'search',
  'append',
  'store-deleted',
  'expunge',
  'logout',
  'login',
  'select',
];

const PAGE = 20;
const HEADERS = `BODY.PEEK[HEADER.FIELDS (${HEADER_FIELDS.join(' ')})]`;

/** A small seeded generator (mulberry32): the same draws for every server. */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class LoadSession {
  connection;
  appended = 0;
  /** An APPEND whose EXISTS has not come yet: the message count expected, and commands since. */
  awaitingExists;

  constructor({ port, secure, mailbox, password, index, pass, errors, latencies, useLiteralPlus }) {
    Object.assign(this, { port, secure, mailbox, password, index, pass, latencies, useLiteralPlus });
    this.checker = new SessionChecker(`${mailbox.user}`, errors);
    this.commands = 0;
  }

  /** Connect, greeting, LOGIN, SELECT INBOX, FETCH 1:* (FLAGS). */
  async connect() {
    this.checker.reset();
    this.connection = await ImapConnection.open({ port: this.port, secure: this.secure });
    this.connection.onUntagged = (parts) => this.checker.untagged(parts);
    this.connection.onError = (message) => this.checker.error(message);
    const greeting = await this.connection.greeting();
    if (!/^\* OK\b/i.test(greeting.text)) throw new Error(`greeting: ${greeting.text}`);
    await this.run('login', `LOGIN ${quote(this.mailbox.login)} ${quote(this.password)}`);
    await this.run('select', 'SELECT INBOX');
    this.checker.selecting = false;
    await this.fetchFlags();
  }

  /** One command: its latency, and a protocol error unless the tagged status is `expected`. */
  async run(kind, text, literal, expected = 'OK') {
    this.checker.begin();
    const result = await this.connection.command(text, literal);
    this.commands += 1;
    (this.latencies[kind] ??= []).push(result.ms);
    if (result.status !== expected)
      this.checker.error(`${text.slice(0, 60)}: ${result.status} ${result.text.slice(0, 120)}`);
    if (this.awaitingExists && kind !== 'append') {
      const { count } = this.awaitingExists;
      if (this.checker.exists >= count) this.awaitingExists = undefined;
      else if ((this.awaitingExists.commands += 1) > 1) {
        this.checker.error(`no EXISTS ${count} after APPEND and the next command`);
        this.awaitingExists = undefined;
      }
    }
    return result;
  }

  async fetchFlags() {
    await this.run('fetch-flags', 'FETCH 1:* (FLAGS)');
    const { checker } = this;
    for (let n = 1; n <= checker.exists; n += 1) {
      if (!checker.fetched.get(n)?.FLAGS) {
        checker.error(`FETCH 1:* (FLAGS) left out message ${n} of ${checker.exists}`);
        break;
      }
    }
  }

  async operation(op, draw) {
    const { checker } = this;
    const exists = checker.exists;
    const message = 1 + Math.floor(draw() * exists);
    if (exists === 0 && op !== 'append' && op !== 'logout') op = 'noop';
    switch (op) {
      case 'noop':
        return void (await this.run('noop', 'NOOP'));
      case 'fetch-flags':
        return this.fetchFlags();
      case 'fetch-headers': {
        const from = 1 + Math.floor(draw() * Math.max(1, exists - PAGE + 1));
        const to = Math.min(exists, from + PAGE - 1);
        await this.run('fetch-headers', `FETCH ${from}:${to} (${HEADERS})`);
        for (let n = from; n <= to; n += 1) {
          const items = checker.fetched.get(n);
          if (!items || !Object.keys(items).some((key) => key.startsWith('BODY[HEADER.FIELDS'))) {
            checker.error(`FETCH ${from}:${to} headers left out message ${n}`);
            break;
          }
        }
        return;
      }
      case 'fetch-body':
        await this.run('fetch-body', `FETCH ${message} BODY.PEEK[]`);
        if (!checker.fetched.get(message)?.['BODY[]'])
          checker.error(`FETCH ${message} BODY.PEEK[] sent no BODY[]`);
        return;
      case 'store-seen': {
        // A server may leave out the FETCH when the flag was set already (Dovecot does).
        const already = checker.flags[message - 1]?.has('\\Seen');
        await this.run('store-seen', `STORE ${message} +FLAGS (\\Seen)`);
        const flags = checker.fetched.get(message)?.FLAGS;
        if (flags ? !flags.includes('\\Seen') : !already)
          checker.error(`STORE ${message} +FLAGS (\\Seen) answered no FETCH FLAGS with \\Seen`);
        return;
      }
      case 'search': {
        await this.run('search', 'SEARCH UNSEEN');
        if (!checker.searched) return checker.error('SEARCH UNSEEN answered no SEARCH response');
        if (!checker.flagsKnown) return;
        const unseen = [];
        checker.flags.forEach((flags, i) => flags.has('\\Seen') || unseen.push(i + 1));
        const got = [...checker.searched].sort((a, b) => a - b);
        if (got.join() !== unseen.join())
          checker.error(`SEARCH UNSEEN found ${got.length} messages, the flags say ${unseen.length}`);
        return;
      }
      case 'append': {
        this.appended += 1;
        const body = buildMessage(this.mailbox.user, `a${this.pass}.${this.appended}`, APPEND_SIZE);
        const count = exists + 1;
        await this.run('append', `APPEND INBOX {${body.length}${this.useLiteralPlus ? '+' : ''}}`, body);
        if (checker.exists < count) this.awaitingExists = { count, commands: 0 };
        return;
      }
      case 'expunge': {
        await this.run('store-deleted', `STORE ${message} +FLAGS.SILENT (\\Deleted)`);
        checker.flags[message - 1]?.add('\\Deleted');
        await this.run('expunge', 'EXPUNGE');
        if (checker.expunged.length !== 1 || checker.expunged[0] !== message)
          checker.error(`EXPUNGE after marking ${message}: expunged [${checker.expunged.join(', ')}]`);
        return;
      }
      case 'logout':
        await this.logout();
        return this.connect();
      default:
        throw new Error(`unknown operation ${op}`);
    }
  }

  async logout() {
    await this.run('logout', 'LOGOUT');
    if (!this.checker.bye) this.checker.error('LOGOUT without * BYE');
    this.connection.close();
  }
}

function quote(text) {
  return `"${text.replace(/["\\]/g, '\\$&')}"`;
}

/** The mix without the operations the server lacks, as cumulative weights. */
function cumulative(mix) {
  const total = mix.reduce((sum, { weight }) => sum + weight, 0);
  let sum = 0;
  return mix.map(({ op, weight }) => ({ op, upTo: (sum += weight) / total }));
}

/**
 * One pass of the load (see the file header). `ops` operations per session, or, with `seconds`,
 * as many as fit. Resolves { seconds, window, commands, operations, latencies: { kind: [ms] } };
 * protocol errors go to `errors`.
 */
export async function runImapLoad({
  port,
  mailboxes,
  password,
  ops,
  seconds,
  pass,
  search,
  errors,
  useLiteralPlus = true,
}) {
  const mix = cumulative(MIX.filter(({ op }) => search || op !== 'search'));
  const latencies = {};
  const sessions = mailboxes.map(
    (mailbox, index) =>
      new LoadSession({ port, mailbox, password, index, pass, errors, latencies, useLiteralPlus }),
  );
  await Promise.all(sessions.map((session) => session.connect()));
  for (const session of sessions) session.commands = 0;
  for (const key of Object.keys(latencies)) delete latencies[key];

  const windowStart = process.hrtime.bigint();
  const started = performance.now();
  const deadline = seconds ? started + seconds * 1000 : Infinity;
  let operations = 0;
  await Promise.all(
    sessions.map(async (session) => {
      const draw = random(pass * 1000 + session.index + 1);
      try {
        for (let i = 0; seconds ? performance.now() < deadline : i < ops; i += 1) {
          const pick = draw();
          await session.operation(mix.find(({ upTo }) => pick < upTo).op, draw);
          operations += 1;
        }
        await session.logout();
      } catch (err) {
        session.checker.error(`session ended: ${err.message}`);
        session.connection?.close();
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  return {
    seconds: elapsed,
    window: { startUs: Number(windowStart / 1000n), endUs: Number(process.hrtime.bigint() / 1000n) },
    operations,
    commands: sessions.reduce((sum, session) => sum + session.commands, 0),
    latencies,
  };
}

/** Whether the server answers SEARCH UNSEEN (not BAD): one session, untimed. */
export async function probeSearch({ port, mailbox, password, errors }) {
  const session = new LoadSession({ port, mailbox, password, index: 0, pass: 0, errors, latencies: {} });
  await session.connect();
  session.checker.begin();
  const result = await session.connection.command('SEARCH UNSEEN');
  if (result.status === 'OK') await session.logout();
  else session.connection.close();
  return result.status === 'OK';
}
