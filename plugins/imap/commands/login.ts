import { logIn, PLAINTEXT_REFUSED } from '../session/log-in.js';
import { astring, expectArgs } from './arguments.js';
import { NOT_AUTHENTICATED, type CommandModule } from './command-module.js';

/** RFC 3501 §6.2.3; refused before STARTTLS where the listener's plain-text rule says so (LOGINDISABLED). */
export const login: CommandModule = {
  names: ['LOGIN'],
  states: NOT_AUTHENTICATED,
  async run(command, session) {
    expectArgs(command, 2);
    const username = astring(command, 0, 'a user name');
    const password = astring(command, 1, 'a password');
    // Checked before anything is looked up, so no lockout counts a refused clear-text attempt.
    if (!session.plaintextAllowed) return PLAINTEXT_REFUSED;
    return logIn(session, username, password);
  },
};
