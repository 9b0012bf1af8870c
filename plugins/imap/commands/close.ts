import { expectArgs } from './arguments.js';
import { ok, SELECTED, type CommandModule } from './command-module.js';

/**
 * RFC 3501 §6.4.2 CLOSE: expunges `\Deleted` messages silently (no EXPUNGE responses) unless the
 * folder was opened with EXAMINE, then leaves the selected state.
 */
export const close: CommandModule = {
  names: ['CLOSE'],
  states: SELECTED,
  async run(command, session) {
    expectArgs(command, 0);
    const folder = session.selected!;
    if (!folder.readOnly) await session.services.storage.mail.expunge(folder.account, folder.path);
    await session.deselect();
    return { status: 'OK', text: 'CLOSE completed', skipUpdates: true };
  },
};

/** RFC 3691 UNSELECT: leaves the selected state without expunging. */
export const unselect: CommandModule = {
  names: ['UNSELECT'],
  states: SELECTED,
  async run(command, session) {
    expectArgs(command, 0);
    await session.deselect();
    return { ...ok('UNSELECT completed'), skipUpdates: true };
  },
};
