import { expectArgs } from './arguments.js';
import { ANY_STATE, ok, SELECTED, type CommandModule } from './command-module.js';

/** RFC 3501 §6.1.2: nothing, but the selected folder's changes go out before the completion. */
export const noop: CommandModule = {
  names: ['NOOP'],
  states: ANY_STATE,
  async run(command) {
    expectArgs(command, 0);
    return ok('NOOP completed');
  },
};

/** RFC 3501 §6.4.1: every store commits at once, so a checkpoint is a NOOP. */
export const check: CommandModule = {
  names: ['CHECK'],
  states: SELECTED,
  async run(command) {
    expectArgs(command, 0);
    return ok('CHECK completed');
  },
};
