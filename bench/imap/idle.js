import { SessionChecker } from './checker.js';
import { ImapConnection } from './client.js';

/** Logins in flight per account at most (see below). */
const LOGINS_PER_ACCOUNT = 4;

/**
 * `count` connections (numbered from `offset`), each logged in (LOGIN) with INBOX selected and in IDLE, over plain TCP or
 * implicit TLS, the mailboxes taken in turn; `concurrency` are being set up at a time. A refused
 * connection (`* BYE` instead of the greeting's OK, such as Mailwright's per-address limit would
 * send), a NO, or a connection that does not reach IDLE is a protocol error. Resolves
 * { connections, seconds }; `closeAll(connections)` ends them.
 */
export async function openIdleConnections({
  port,
  secure,
  mailboxes,
  password,
  count,
  offset = 0,
  errors,
  concurrency = 50,
}) {
  const started = Date.now();
  const connections = [];
  const open = async (index) => {
    const { user, login } = mailboxes[index % mailboxes.length];
    const checker = new SessionChecker(`idle ${index} (${user})`, errors);
    let connection;
    try {
      connection = await ImapConnection.open({ port, secure });
      connection.onUntagged = (parts) => checker.untagged(parts);
      connection.onError = (message) => checker.error(message);
      const greeting = await connection.greeting();
      if (!/^\* OK\b/i.test(greeting.text)) throw new Error(`greeting: ${greeting.text.slice(0, 120)}`);
      for (const command of [`LOGIN "${login}" "${password}"`, 'SELECT INBOX']) {
        const result = await connection.command(command);
        if (result.status !== 'OK')
          throw new Error(`${command.split(' ')[0]}: ${result.status} ${result.text}`);
      }
      checker.selecting = false;
      const idle = await connection.idle();
      connections.push({ connection, idle, checker });
    } catch (err) {
      checker.error(`no idle connection: ${err.message}`);
      connection?.close();
    }
  };
  // Mailwright reserves a place in an account's failure run for every login in flight, and refuses
  // the sixth concurrent one from an address as "locked out" (core/directory/lockouts.ts, threshold
  // 5), correct password or not; so at most LOGINS_PER_ACCOUNT logins per account are in flight:
  // each account has its own workers, and takes the connections i with i % accounts == its index.
  const perAccount = Math.max(1, Math.min(LOGINS_PER_ACCOUNT, Math.floor(concurrency / mailboxes.length)));
  const workers = [];
  const end = offset + count;
  mailboxes.forEach((_, account) => {
    let next = offset + ((account - (offset % mailboxes.length) + mailboxes.length) % mailboxes.length);
    const worker = async () => {
      while (next < end) {
        const index = next;
        next += mailboxes.length;
        await open(index);
      }
    };
    for (let i = 0; i < perAccount; i += 1) workers.push(worker());
  });
  await Promise.all(workers);
  return { connections, seconds: (Date.now() - started) / 1000 };
}

/** How many of the connections are still open and were not told BYE, and why the others are not. */
export function stillIdle(connections) {
  const reasons = new Map();
  let idle = 0;
  for (const { connection, checker } of connections) {
    if (!connection.closed && !checker.bye) idle += 1;
    else {
      const reason = checker.bye ? 'told BYE' : (connection.closeReason ?? 'closed');
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
  }
  return { idle, reasons: [...reasons].map(([reason, count]) => `${count} x ${reason}`) };
}

export function closeAll(connections) {
  for (const { connection } of connections) connection.close();
}
