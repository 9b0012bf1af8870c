import { statusItems, statusValues } from '../mailbox/status-items.js';
import { atom } from '../protocol/index.js';
import { astring, expectArgs, listOf, mailboxPath } from './arguments.js';
import { AUTHENTICATED, no, ok, type CommandModule } from './command-module.js';

/**
 * RFC 3501 §6.3.10 STATUS with SIZE (RFC 8438) and APPENDLIMIT (RFC 7889): `* STATUS name
 * (items)`, the name as the client wrote it (as Dovecot does), the items in the client's order.
 * The selected folder may be asked too; the values are the store's, whatever this session has
 * announced so far. A name that is no folder is `NO [NONEXISTENT]`.
 */
export const status: CommandModule = {
  names: ['STATUS'],
  states: AUTHENTICATED,
  async run(command, session) {
    expectArgs(command, 2);
    const path = mailboxPath(command, 0, session);
    const items = statusItems(listOf(command, 1, 'a status item'), command.tag);
    const folder = await session.services.storage.mail.getFolder(session.account!, path);
    if (!folder) return no('Mailbox does not exist', { name: 'NONEXISTENT' });
    const name = astring(command, 0, 'a mailbox name');
    await session.untagged([atom('STATUS'), name, statusValues(folder, items, session)]);
    return ok('STATUS completed');
  },
};
