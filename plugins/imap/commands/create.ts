import { AlreadyExistsError } from '../../../core/index.js';
import { describeArg, ImapParseError, type ImapArg, type ImapCommand } from '../protocol/index.js';
import { createAncestors, createUnsubscribed, hasWildcard } from '../mailbox/hierarchy.js';
import { expectArgs, keyword, mailboxPath } from './arguments.js';
import { AUTHENTICATED, no, ok, type Completion, type CommandModule } from './command-module.js';

/**
 * The special uses a created folder may carry (RFC 6154 §2). \All and \Flagged name virtual
 * mailboxes, which a plain folder cannot be, so they are refused like unknown ones.
 */
const CREATABLE_USES = ['\\Archive', '\\Drafts', '\\Junk', '\\Sent', '\\Trash'];

/**
 * RFC 3501 §6.3.3 CREATE, with CREATE-SPECIAL-USE (RFC 6154 §3): `CREATE name (USE (\Sent))`.
 * A trailing delimiter is dropped; missing superior levels are created as folders (`a/b/c` creates
 * `a` and `a/b`); INBOX or an existing folder is `NO [ALREADYEXISTS]`; a special use the server
 * cannot give (unknown, virtual, or more than one: the store keeps one per folder) is
 * `NO [USEATTR]` and nothing is created.
 */
export const create: CommandModule = {
  names: ['CREATE'],
  states: AUTHENTICATED,
  async run(command, session) {
    expectArgs(command, 1, 2);
    const path = mailboxPath(command, 0, session);
    const use = command.args.length === 2 ? specialUseOf(command, command.args[1]) : { uses: [] };
    if ('refusal' in use) return use.refusal;
    if (hasWildcard(path)) {
      return no('Mailbox names may not contain "%" or "*"', { name: 'CANNOT' });
    }
    const store = session.services.storage.mail;
    const account = session.account!;
    const exists = (): Completion => no('Mailbox already exists', { name: 'ALREADYEXISTS' });
    if (path === 'INBOX' || (await store.getFolder(account, path))) return exists();
    await createAncestors(store, account, path);
    try {
      await createUnsubscribed(store, account, path, use.uses.length > 0 ? { specialUse: use.uses[0] } : {});
    } catch (err) {
      if (err instanceof AlreadyExistsError) return exists();
      throw err;
    }
    return ok('CREATE completed');
  },
};

/** The create-params list (RFC 4466 §2.2): `USE (...)` is the one parameter known. */
function specialUseOf(command: ImapCommand, arg: ImapArg): { uses: string[] } | { refusal: Completion } {
  if (arg.type !== 'list') {
    throw new ImapParseError(command.tag, `Expected CREATE parameters list, got ${describeArg(arg)}`);
  }
  const uses: string[] = [];
  for (let index = 0; index < arg.items.length; index += 2) {
    const name = keyword(arg.items[index], command.tag, 'a CREATE parameter');
    if (name !== 'USE') throw new ImapParseError(command.tag, `Unknown CREATE parameter ${name}`);
    const value = arg.items[index + 1];
    if (value?.type !== 'list') {
      throw new ImapParseError(command.tag, `Expected a list of special uses after USE`);
    }
    for (const item of value.items) {
      if (item.type !== 'atom' || !item.value.startsWith('\\')) {
        throw new ImapParseError(command.tag, `Expected a special-use attribute, got ${describeArg(item)}`);
      }
      const known = CREATABLE_USES.find((use) => use.toUpperCase() === item.value.toUpperCase());
      if (!known) {
        return {
          refusal: no(`Special use ${item.value} is not supported; use one of ${CREATABLE_USES.join(' ')}`, {
            name: 'USEATTR',
          }),
        };
      }
      if (!uses.includes(known)) uses.push(known);
    }
  }
  if (uses.length > 1) {
    return { refusal: no('A mailbox can have only one special use here', { name: 'USEATTR' }) };
  }
  return { uses };
}
