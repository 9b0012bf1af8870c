/** Every command module, by the name the client sends. */
import type { ImapCommand } from '../protocol/index.js';
import { append } from './append.js';
import { authenticate } from './authenticate.js';
import { capability } from './capability.js';
import { close, unselect } from './close.js';
import type { CommandModule } from './command-module.js';
import { copy } from './copy.js';
import { create } from './create.js';
import { deleteCommand } from './delete.js';
import { enable } from './enable.js';
import { expunge } from './expunge.js';
import { fetch } from './fetch.js';
import { id } from './id.js';
import { idle } from './idle.js';
import { list } from './list.js';
import { login } from './login.js';
import { logout } from './logout.js';
import { namespace } from './namespace.js';
import { check, noop } from './noop.js';
import { rename } from './rename.js';
import { search } from './search.js';
import { select } from './select.js';
import { sort } from './sort.js';
import { starttls } from './starttls.js';
import { status } from './status.js';
import { store } from './store.js';
import { subscribe } from './subscribe.js';
import { thread } from './thread.js';

const MODULES: readonly CommandModule[] = [
  capability,
  noop,
  logout,
  id,
  starttls,
  login,
  authenticate,
  enable,
  select,
  list,
  namespace,
  check,
  close,
  unselect,
  expunge,
  fetch,
  store,
  idle,
  append,
  copy,
  create,
  deleteCommand,
  rename,
  subscribe,
  status,
  search,
  sort,
  thread,
];

const BY_NAME = new Map(MODULES.flatMap((module) => module.names.map((name) => [name, module] as const)));

/** The module that runs `command` (a `UID` form only when the module takes one), if any. */
export function commandModule(command: ImapCommand): CommandModule | undefined {
  const module = BY_NAME.get(command.name);
  return module && (!command.uid || module.uid) ? module : undefined;
}
