import { atom } from '../protocol/index.js';
import { expectArgs } from './arguments.js';
import { ANY_STATE, ok, type CommandModule } from './command-module.js';

/**
 * RFC 2971: the server's name and version. What the client says about itself is logged (it helps
 * support) but changes nothing.
 */
export const id: CommandModule = {
  names: ['ID'],
  states: ANY_STATE,
  async run(command, session) {
    expectArgs(command, 1);
    const arg = command.args[0];
    if (arg.type === 'list') {
      const fields: Record<string, string> = {};
      for (let i = 0; i + 1 < arg.items.length && i < 60; i += 2) {
        const key = arg.items[i];
        const value = arg.items[i + 1];
        if (key.type === 'string' && value.type === 'string') {
          fields[key.value.toString('utf8').slice(0, 30)] = value.value.toString('utf8').slice(0, 1024);
        }
      }
      session.logger.debug({ client: fields }, 'IMAP client ID');
    } else if (arg.type !== 'nil') {
      return { status: 'BAD', text: 'ID takes a parenthesised list or NIL' };
    }
    await session.untagged([
      atom('ID'),
      [
        'name',
        session.services.config.implementation,
        'version',
        session.services.version,
        'vendor',
        'Mailwright',
      ],
    ]);
    return ok('ID completed');
  },
};
