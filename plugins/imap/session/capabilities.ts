import { atom, type Atom } from '../protocol/index.js';
import type { ImapSession } from './session.js';

/**
 * What the server offers, as CAPABILITY and the greeting's code show it (RFC 3501 §6.1.1). Only
 * what works is listed; a name is added here when its command module lands.
 */
const ALWAYS = ['IMAP4rev1', 'LITERAL+', 'SASL-IR', 'ID', 'ENABLE', 'IDLE'];

/** Once logged in. */
const AUTHENTICATED = ['NAMESPACE', 'UNSELECT', 'UIDPLUS', 'MOVE', 'CHILDREN', 'SPECIAL-USE'];
/** The search family (search/, commands/search.ts, sort.ts, thread.ts). */
const SEARCHING = ['ESEARCH', 'SEARCHRES', 'WITHIN', 'SORT', 'THREAD=ORDEREDSUBJECT', 'THREAD=REFERENCES'];

/** Mailbox management (commands/create.ts, list.ts, status.ts). */
const MAILBOXES = ['CREATE-SPECIAL-USE', 'LIST-EXTENDED', 'LIST-STATUS', 'STATUS=SIZE'];

export function capabilities(session: ImapSession): Atom[] {
  const names = [...ALWAYS];
  if (session.state === 'not-authenticated') {
    if (!session.secure) names.push('STARTTLS');
    // RFC 3501 §6.2.3: LOGINDISABLED where a password may not be sent in clear text now.
    if (session.plaintextAllowed) names.push('AUTH=PLAIN', 'AUTH=LOGIN');
    else names.push('LOGINDISABLED');
  } else {
    names.push(
      ...AUTHENTICATED,
      ...MAILBOXES,
      ...SEARCHING,
      `APPENDLIMIT=${session.services.config.maxAppendBytes}`,
    );
  }
  return names.map(atom);
}
