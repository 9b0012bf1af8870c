import { atom } from '../protocol/index.js';
import { expectArgs } from './arguments.js';
import { AUTHENTICATED, ok, type CommandModule } from './command-module.js';

/** RFC 2342: one personal namespace with `/` as the separator; no shared or other users' ones. */
export const namespace: CommandModule = {
  names: ['NAMESPACE'],
  states: AUTHENTICATED,
  async run(command, session) {
    expectArgs(command, 0);
    await session.untagged([atom('NAMESPACE'), [['', '/']], null, null]);
    return ok('NAMESPACE completed');
  },
};
