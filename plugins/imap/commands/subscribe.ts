import { NotFoundError } from '../../../core/index.js';
import { expectArgs, mailboxPath } from './arguments.js';
import { AUTHENTICATED, no, ok, type CommandModule } from './command-module.js';

/**
 * RFC 3501 §6.3.6 SUBSCRIBE and §6.3.7 UNSUBSCRIBE. A subscription is a mark on the folder in the
 * store (Folder.subscribed), not a separate list of names, so:
 *  - subscribing a name that is no folder is `NO [NONEXISTENT]` (RFC 3501 lets a server check;
 *    Dovecot 2.3 refuses it too, "Mailbox doesn't exist");
 *  - unsubscribing such a name succeeds and changes nothing (as Dovecot answers);
 *  - the mark goes with the folder: RENAME keeps it, DELETE drops it.
 */
export const subscribe: CommandModule = {
  names: ['SUBSCRIBE', 'UNSUBSCRIBE'],
  states: AUTHENTICATED,
  async run(command, session) {
    expectArgs(command, 1);
    const path = mailboxPath(command, 0, session);
    const subscribing = command.name === 'SUBSCRIBE';
    const store = session.services.storage.mail;
    const account = session.account!;
    const folder = await store.getFolder(account, path);
    const done = ok(`${command.name} completed`);
    const missing = subscribing ? no('Mailbox does not exist', { name: 'NONEXISTENT' }) : done;
    if (!folder) return missing;
    if (folder.subscribed === subscribing) return done;
    try {
      await store.setSubscribed(account, path, subscribing);
    } catch (err) {
      if (err instanceof NotFoundError) return missing;
      throw err;
    }
    return done;
  },
};
