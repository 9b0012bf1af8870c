/**
 * The mail both servers serve: `users` mailboxes of `perUser` messages, each exactly `size`
 * octets in its CRLF form (what RETR sends, un-stuffed, and what LIST reports). Every message is
 * distinct (its number in the Subject and Message-ID), and one body line starts with a dot, so
 * both servers must byte-stuff it and the client must un-stuff it.
 */

export const DOMAIN = 'bench.test';
export const PASSWORD = 'bench-pop3-password';

/** u01@bench.test, u02@bench.test, ... */
export function userNames(users) {
  const width = String(users).length;
  return Array.from({ length: users }, (_, i) => `u${String(i + 1).padStart(width, '0')}`);
}

/** The CRLF octets of message `number` (1-based) of `user`. */
export function buildMessage(user, number, size) {
  const head = [
    `From: Bench Sender <sender@remote.test>`,
    `To: <${user}@${DOMAIN}>`,
    `Subject: pop3 bench message ${number} for ${user}`,
    'Date: Sun, 22 Nov 2026 12:00:00 +0000',
    `Message-ID: <${number}.${user}@${DOMAIN}>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    `Message ${number} for ${user}.`,
    '.a line that starts with a dot, stuffed on the wire',
    '',
  ].join('\r\n');
  const line = 'The quick brown fox jumps over the lazy dog 0123456789 abcdefghijklm\r\n';
  let text = head;
  while (text.length + line.length + 4 <= size) text += line;
  text += 'x'.repeat(size - text.length - 2) + '\r\n';
  const bytes = Buffer.from(text, 'latin1');
  if (bytes.length !== size) throw new Error(`message is ${bytes.length} octets, not ${size}`);
  return bytes;
}

/** Every mailbox: [{ user, login, messages: Buffer[] }], the messages in delivery order. */
export function buildMailboxes({ users, perUser, size }) {
  return userNames(users).map((user) => ({
    user,
    login: `${user}@${DOMAIN}`,
    messages: Array.from({ length: perUser }, (_, i) => buildMessage(user, i + 1, size)),
  }));
}
