import { prepareDovecot } from './dovecot.js';
import { prepareMailwright } from './mailwright.js';

/**
 * The servers of the comparison, in the order they run. `prepare({ dir, mailboxes, password, tls,
 * maxConnections })` stores the mailboxes once and resolves `{ start({ port, tlsPort, cpuProfile }) }`;
 * each start resolves a handle with `rootPids()` (the process trees whose memory is measured) and
 * `stop()`. The bench starts every server several times on the same mail: once per idle-memory test
 * (so that each starts from a fresh process) and once for the load.
 */
export const SERVERS = [
  { id: 'mailwright', label: 'Mailwright (imap, file store)', prepare: prepareMailwright },
  { id: 'dovecot', label: 'Dovecot (imap, Maildir)', prepare: prepareDovecot },
];
