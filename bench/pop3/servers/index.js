import { startDovecot } from './dovecot.js';
import { startMailwright } from './mailwright.js';

/**
 * The servers of the comparison, in the order they run. `start({ dir, port, mailboxes, password })`
 * stores the mailboxes, starts the server and resolves a handle with `rootPids()` (the process
 * trees whose RSS is measured) and `stop()`.
 */
export const SERVERS = [
  { id: 'mailwright', label: 'Mailwright (pop3, file store)', start: startMailwright },
  { id: 'dovecot', label: 'Dovecot (pop3, Maildir)', start: startDovecot },
];
