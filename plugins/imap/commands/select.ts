import { SYSTEM_FLAGS } from '../../../core/index.js';
import { atom } from '../protocol/index.js';
import { SelectedFolder } from '../session/selected-folder.js';
import { expectArgs, mailboxPath } from './arguments.js';
import { AUTHENTICATED, type CommandModule } from './command-module.js';

/**
 * RFC 3501 §6.3.1 SELECT and §6.3.2 EXAMINE: the folder's flags, counts and UID state, then
 * READ-WRITE or READ-ONLY. Selecting closes the previous folder first, even when the new one
 * cannot be selected (the session is then in the authenticated state).
 */
export const select: CommandModule = {
  names: ['SELECT', 'EXAMINE'],
  states: AUTHENTICATED,
  async run(command, session) {
    expectArgs(command, 1);
    const path = mailboxPath(command, 0, session);
    const readOnly = command.name === 'EXAMINE';
    await session.deselect();
    const opened = await SelectedFolder.open(session.services.storage.mail, session.account!, path, readOnly);
    if (!opened) return { status: 'NO', text: `Mailbox does not exist`, code: { name: 'NONEXISTENT' } };
    const { folder, messages, uidNext } = opened;
    const keywords = new Set<string>();
    for (const message of messages) {
      for (const flag of message.flags) if (!flag.startsWith('\\')) keywords.add(flag);
    }
    const flags = [...SYSTEM_FLAGS, ...keywords].map((flag) => atom(flag));
    await session.untagged([atom('FLAGS'), flags]);
    await session.untaggedStatus('OK', readOnly ? 'No permanent flags permitted' : 'Flags permitted', {
      name: 'PERMANENTFLAGS',
      args: [readOnly ? [] : [...flags, atom('\\*')]],
    });
    await session.untagged([messages.length, atom('EXISTS')]);
    await session.untagged([0, atom('RECENT')]);
    const firstUnseen = messages.findIndex((message) => !message.flags.includes('\\Seen'));
    if (firstUnseen >= 0) {
      await session.untaggedStatus('OK', `Message ${firstUnseen + 1} is the first unseen`, {
        name: 'UNSEEN',
        args: [firstUnseen + 1],
      });
    }
    await session.untaggedStatus('OK', 'UIDs valid', { name: 'UIDVALIDITY', args: [folder.uidValidity] });
    await session.untaggedStatus('OK', 'Predicted next UID', { name: 'UIDNEXT', args: [uidNext] });
    session.select(folder);
    return {
      status: 'OK',
      text: `${command.name} completed`,
      code: { name: readOnly ? 'READ-ONLY' : 'READ-WRITE' },
      skipUpdates: true,
    };
  },
};
