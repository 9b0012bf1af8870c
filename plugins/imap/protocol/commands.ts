/**
 * The command names the parser accepts: anything else is `BAD Unknown command` before its
 * arguments are even looked at. Add a name here when its command module lands.
 */

/** RFC 3501 §6 (and RFC 9051), plus the extensions the server is meant to offer. */
export const IMAP_COMMANDS: ReadonlySet<string> = new Set([
  // Any state (§6.1).
  'CAPABILITY',
  'NOOP',
  'LOGOUT',
  'ID', // RFC 2971
  // Not authenticated (§6.2).
  'STARTTLS',
  'AUTHENTICATE',
  'LOGIN',
  // Authenticated (§6.3).
  'ENABLE', // RFC 5161
  'SELECT',
  'EXAMINE',
  'CREATE',
  'DELETE',
  'RENAME',
  'SUBSCRIBE',
  'UNSUBSCRIBE',
  'LIST',
  'LSUB',
  'NAMESPACE', // RFC 2342
  'STATUS',
  'APPEND',
  'IDLE', // RFC 2177
  // Selected (§6.4).
  'CHECK',
  'CLOSE',
  'UNSELECT', // RFC 3691
  'EXPUNGE',
  'SEARCH',
  'FETCH',
  'STORE',
  'COPY',
  'MOVE', // RFC 6851
  'SORT',
  'THREAD', // RFC 5256
  'UID',
]);

/** What may follow `UID` (§6.4.8; EXPUNGE from UIDPLUS, RFC 4315; MOVE from RFC 6851). */
export const UID_COMMANDS: ReadonlySet<string> = new Set([
  'COPY',
  'MOVE',
  'FETCH',
  'SEARCH',
  'STORE',
  'EXPUNGE',
  'SORT',
  'THREAD',
]);
