import { atom } from '../protocol/index.js';
import { expectArgs } from './arguments.js';
import { ok, SELECTED, type CommandModule } from './command-module.js';
import { targetsOf } from './message-set.js';

/**
 * RFC 3501 §6.4.3 EXPUNGE and RFC 4315 UID EXPUNGE (only the named UIDs): removes `\Deleted`
 * messages and sends an EXPUNGE for each, highest number first so the lower ones stay valid.
 */
export const expunge: CommandModule = {
  names: ['EXPUNGE'],
  states: SELECTED,
  uid: true,
  async run(command, session) {
    expectArgs(command, command.uid ? 1 : 0);
    const folder = session.selected!;
    if (folder.readOnly)
      return { status: 'NO', text: 'The mailbox is read-only', code: { name: 'READ-ONLY' } };
    const only = command.uid ? targetsOf(command, 0, session).map((target) => target.uid) : undefined;
    if (only?.length === 0) return ok('UID EXPUNGE completed');
    const removed = await session.services.storage.mail.expunge(folder.account, folder.path, only);
    const sequences = removed
      .map((uid) => folder.sequenceOf(uid))
      .filter((sequence) => sequence > 0)
      .sort((a, b) => b - a);
    for (const sequence of sequences) await session.untagged([sequence, atom('EXPUNGE')]);
    folder.forget(removed);
    return ok(`${command.uid ? 'UID ' : ''}EXPUNGE completed`);
  },
};
