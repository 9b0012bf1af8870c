import { CTRL_COMMANDS } from '../protocol/index.js';
import { inXMailTerms, OK, type CtrlHandler } from './context.js';
import { FILE_COMMANDS } from './files.js';
import { QUEUE_COMMANDS } from './queue.js';
import { ROUTING_COMMANDS } from './routing.js';
import { USER_COMMANDS } from './users.js';

export { asXMailError, type CtrlCommandContext, type CtrlReply } from './context.js';

/** Every command of the protocol table (protocol/commands.ts) with its handler; `quit` closes in the session. */
export const CTRL_HANDLERS: ReadonlyMap<string, CtrlHandler> = new Map(
  Object.entries({
    ...USER_COMMANDS,
    ...ROUTING_COMMANDS,
    ...FILE_COMMANDS,
    ...QUEUE_COMMANDS,
    noop: async () => OK,
    quit: async () => OK,
  }).map(([name, handler]) => [name, inXMailTerms(handler)]),
);

const unhandled = CTRL_COMMANDS.filter((spec) => !CTRL_HANDLERS.has(spec.name)).map((spec) => spec.name);
if (unhandled.length > 0) throw new Error(`xmail-ctrl: no handler for ${unhandled.join(', ')}`);
