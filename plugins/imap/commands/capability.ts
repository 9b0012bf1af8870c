import { atom } from '../protocol/index.js';
import { capabilities } from '../session/capabilities.js';
import { expectArgs } from './arguments.js';
import { ANY_STATE, ok, type CommandModule } from './command-module.js';

/** RFC 3501 §6.1.1. */
export const capability: CommandModule = {
  names: ['CAPABILITY'],
  states: ANY_STATE,
  async run(command, session) {
    expectArgs(command, 0);
    await session.untagged([atom('CAPABILITY'), ...capabilities(session)]);
    return ok('CAPABILITY completed');
  },
};
