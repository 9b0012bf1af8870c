import { expectArgs } from './arguments.js';
import { ANY_STATE, type CommandModule } from './command-module.js';

/** RFC 3501 §6.1.3: BYE, the tagged OK, then the session closes the connection. */
export const logout: CommandModule = {
  names: ['LOGOUT'],
  states: ANY_STATE,
  async run(command, session) {
    expectArgs(command, 0);
    await session.untaggedStatus('BYE', 'Logging out');
    await session.deselect();
    session.state = 'logout';
    return { status: 'OK', text: 'LOGOUT completed', skipUpdates: true };
  },
};
