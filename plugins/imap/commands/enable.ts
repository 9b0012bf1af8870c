import { atom } from '../protocol/index.js';
import { keyword } from './arguments.js';
import { AUTHENTICATED, ok, type CommandModule } from './command-module.js';

/** What ENABLE turns on (RFC 5161); an extension is listed here once the session honours it. */
const ENABLEABLE = new Set<string>(['UTF8=ACCEPT']);

/** RFC 5161: `* ENABLED` names what was newly enabled; unknown names are ignored. */
export const enable: CommandModule = {
  names: ['ENABLE'],
  states: AUTHENTICATED,
  async run(command, session) {
    if (command.args.length === 0) return { status: 'BAD', text: 'ENABLE needs at least one capability' };
    const enabled: string[] = [];
    for (const arg of command.args) {
      const name = keyword(arg, command.tag, 'a capability name');
      if (ENABLEABLE.has(name) && !session.enabled.has(name)) {
        session.enabled.add(name);
        enabled.push(name);
      }
    }
    if (enabled.includes('UTF8=ACCEPT')) session.commands.utf8Accept = true;
    await session.untagged([atom('ENABLED'), ...enabled.map(atom)]);
    return ok('ENABLE completed');
  },
};
