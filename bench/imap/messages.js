/**
 * The mail both servers serve: `users` mailboxes of `perUser` messages, each exactly `size` octets
 * in its CRLF form, and the 10 KB messages the load APPENDs. Every message is distinct (user and
 * number in Subject and Message-ID) and carries its own size in an `X-Bench-Size` header, so the
 * checker can tell a BODY[] literal of the wrong length whichever message it is.
 */

export const DOMAIN = 'bench.test';
export const PASSWORD = 'bench-imap-password';
/** What the load APPENDs (the 10 KB message). */
export const APPEND_SIZE = 10240;

/** u01, u02, ... */
export function userNames(users) {
  const width = String(users).length;
  return Array.from({ length: users }, (_, i) => `u${String(i + 1).padStart(width, '0')}`);
}

/** The CRLF octets of a message of exactly `size` octets; `tag` makes it unique (`17`, `append-3-40`). */
export function buildMessage(user, tag, size) {
  const head = [
    'From: Bench Sender <sender@remote.test>',
    `To: <${user}@${DOMAIN}>`,
    `Subject: imap bench message ${tag} for ${user}`,
    'Date: Sun, 22 Nov 2026 12:00:00 +0000',
    `Message-ID: <${tag}.${user}@${DOMAIN}>`,
    `X-Bench-Size: ${String(size).padStart(10, '0')}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    `Message ${tag} for ${user}.`,
    '',
  ].join('\r\n');
  const line = 'The quick brown fox jumps over the lazy dog 0123456789 abcdefghijklm\r\n';
  let text = head;
  while (text.length + line.length + 4 <= size) text += line;
  text += 'x'.repeat(Math.max(0, size - text.length - 2)) + '\r\n';
  const bytes = Buffer.from(text, 'latin1');
  if (bytes.length !== size) throw new Error(`message is ${bytes.length} octets, not ${size} (too small?)`);
  return bytes;
}

/** The size a message says it has (its X-Bench-Size header), or -1. */
export function declaredSize(bytes) {
  const at = bytes.indexOf('\r\nX-Bench-Size: ');
  return at < 0 ? -1 : Number(bytes.toString('latin1', at + 16, at + 26));
}

/** Every mailbox: [{ user, login, messages: Buffer[] }], the messages in delivery order. */
export function buildMailboxes({ users, perUser, size }) {
  return userNames(users).map((user) => ({
    user,
    login: `${user}@${DOMAIN}`,
    messages: Array.from({ length: perUser }, (_, i) => buildMessage(user, String(i + 1), size)),
  }));
}
