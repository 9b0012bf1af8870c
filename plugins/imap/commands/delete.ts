import { NotFoundError } from '../../../core/index.js';
import { statusResponse } from '../protocol/index.js';
import { isBelow } from '../mailbox/hierarchy.js';
import { expectArgs, mailboxPath } from './arguments.js';
import { AUTHENTICATED, no, type CommandModule } from './command-module.js';

/**
 * RFC 3501 §6.3.4 DELETE, answering as Dovecot does:
 *  - INBOX cannot be deleted;
 *  - a folder with subfolders may be deleted: its messages go, and its name stays as the
 *    `\Noselect` parent of the subfolders (RFC 3501 allows exactly this);
 *  - a name that is only such a parent (no folder of its own) is `NO Mailbox has children, delete
 *    them first` (RFC 3501: an error for a `\Noselect` name with inferiors);
 *  - any other unknown name is `NO [NONEXISTENT]`;
 *  - deleting the selected folder works: the tagged OK, then `* BYE` and the connection closes
 *    (Dovecot's "Selected mailbox was deleted, have to disconnect."), since the client's view of
 *    a folder that no longer exists cannot be kept up to date.
 */
export const deleteCommand: CommandModule = {
  names: ['DELETE'],
  states: AUTHENTICATED,
  async run(command, session) {
    expectArgs(command, 1);
    const path = mailboxPath(command, 0, session);
    if (path === 'INBOX') return no("INBOX can't be deleted");
    const store = session.services.storage.mail;
    const account = session.account!;
    const missing = async () => {
      const folders = await store.listFolders(account);
      return folders.some((folder) => isBelow(folder.path, path))
        ? no('Mailbox has children, delete them first')
        : no('Mailbox does not exist', { name: 'NONEXISTENT' });
    };
    if (!(await store.getFolder(account, path))) return missing();
    try {
      await store.deleteFolder(account, path);
    } catch (err) {
      if (err instanceof NotFoundError) return missing();
      throw err;
    }
    if (session.selected?.path === path) {
      await session.write(statusResponse(command.tag, 'OK', 'DELETE completed'));
      session.end('* BYE Selected mailbox was deleted, have to disconnect.');
      return { status: 'OK', text: 'DELETE completed', alreadySent: true };
    }
    return { status: 'OK', text: 'DELETE completed' };
  },
};
