import { AlreadyExistsError, NotFoundError, type Account, type MailStore } from '../../../core/index.js';
import { statusResponse } from '../protocol/index.js';
import { createAncestors, createUnsubscribed, hasWildcard, isBelow, isWithin } from '../mailbox/hierarchy.js';
import { moveInboxMessages } from '../mailbox/inbox-move.js';
import { expectArgs, mailboxPath } from './arguments.js';
import { AUTHENTICATED, no, ok, type Completion, type CommandModule } from './command-module.js';

/**
 * RFC 3501 §6.3.5 RENAME. The folder moves with its subfolders and keeps its UIDVALIDITY; missing
 * superior levels of the new name are created as for CREATE. Refused: an unknown source
 * (`NO [NONEXISTENT]`), a new name (or the new name of a subfolder) that exists, INBOX included
 * (`NO [ALREADYEXISTS]`), a new name under the old one (Dovecot's "Can't rename mailbox under its
 * own child"), a new name with `%` or `*`.
 *
 * Renaming INBOX moves its messages to a new folder and leaves INBOX, empty, in place; its
 * subfolders stay where they are (mailbox/inbox-move.ts: copy, then expunge what was copied, so a
 * crash may leave duplicates but never lose a message).
 *
 * Renaming the selected folder (or one above it) ends the session after the tagged OK, as deleting
 * it does (Dovecot answers the next command with BYE).
 */
export const rename: CommandModule = {
  names: ['RENAME'],
  states: AUTHENTICATED,
  async run(command, session) {
    expectArgs(command, 2);
    const from = mailboxPath(command, 0, session);
    const to = mailboxPath(command, 1, session);
    if (hasWildcard(to)) return no('Mailbox names may not contain "%" or "*"', { name: 'CANNOT' });
    const store = session.services.storage.mail;
    const account = session.account!;
    const nonexistent = no('Mailbox does not exist', { name: 'NONEXISTENT' });
    const exists = no('Target mailbox already exists', { name: 'ALREADYEXISTS' });
    if (!(await store.getFolder(account, from))) return nonexistent;
    if (from === 'INBOX') return renameInbox(store, account, to);
    if (to === 'INBOX') return exists;
    if (isBelow(to, from)) return no("Can't rename mailbox under its own child");

    const folders = await store.listFolders(account);
    const taken = new Set(folders.map((folder) => folder.path));
    const targets = folders
      .filter((folder) => isWithin(folder.path, from))
      .map((folder) => to + folder.path.slice(from.length));
    if (targets.some((target) => taken.has(target))) return exists;
    await createAncestors(store, account, to);
    try {
      await store.renameFolder(account, from, to);
    } catch (err) {
      if (err instanceof NotFoundError) return nonexistent;
      if (err instanceof AlreadyExistsError) return exists;
      throw err;
    }
    if (session.selected && isWithin(session.selected.path, from)) {
      await session.write(statusResponse(command.tag, 'OK', 'RENAME completed'));
      session.end('* BYE Selected mailbox was renamed, have to disconnect.');
      return { status: 'OK', text: 'RENAME completed', alreadySent: true };
    }
    return ok('RENAME completed');
  },
};

async function renameInbox(store: MailStore, account: Account, to: string): Promise<Completion> {
  const exists = no('Target mailbox already exists', { name: 'ALREADYEXISTS' });
  if (to === 'INBOX' || (await store.getFolder(account, to))) return exists;
  await createAncestors(store, account, to);
  try {
    await createUnsubscribed(store, account, to);
  } catch (err) {
    if (err instanceof AlreadyExistsError) return exists;
    throw err;
  }
  await moveInboxMessages(store, account, to);
  return ok('RENAME completed');
}
