import type { Folder } from '../../../core/index.js';
import { atom, decodeMailboxName, type Atom } from '../protocol/index.js';
import { astring, expectArgs, mailboxName } from './arguments.js';
import { AUTHENTICATED, ok, type CommandModule } from './command-module.js';

const DELIMITER = '/';

/**
 * RFC 3501 §6.3.8 LIST and §6.3.9 LSUB, with CHILDREN (RFC 3348) and SPECIAL-USE (RFC 6154)
 * attributes. `*` matches any characters, `%` any but the delimiter; the reference is prefixed to
 * the pattern. A folder whose parent does not exist (`a/b` without `a`) makes the parent appear
 * as `\Noselect` where the pattern matches it, so a client can walk the tree.
 */
export const list: CommandModule = {
  names: ['LIST', 'LSUB'],
  states: AUTHENTICATED,
  async run(command, session) {
    expectArgs(command, 2);
    const reference = astring(command, 0, 'a reference name');
    const pattern = astring(command, 1, 'a mailbox pattern');
    const decode = (text: string): string =>
      session.enabled.has('UTF8=ACCEPT') ? text : decodeMailboxName(text);
    if (pattern === '') {
      // RFC 3501: the delimiter and the root of the reference.
      await session.untagged([atom('LIST'), [atom('\\Noselect')], DELIMITER, '']);
      return ok(`${command.name} completed`);
    }
    const matcher = patternMatcher(decode(reference) + decode(pattern));
    const folders = await session.services.storage.mail.listFolders(session.account!);
    const lsub = command.name === 'LSUB';
    for (const [path, attributes] of listing(folders, lsub)) {
      if (matcher(path))
        await session.untagged([atom(command.name), attributes, DELIMITER, mailboxName(path, session)]);
    }
    return ok(`${command.name} completed`);
  },
};

/** Every folder (and missing parent) with its attributes, in path order. */
function listing(folders: Folder[], subscribedOnly: boolean): [string, Atom[]][] {
  const exists = new Map(folders.map((folder) => [folder.path, folder]));
  const paths = new Set<string>();
  for (const folder of folders) {
    if (subscribedOnly && !folder.subscribed) continue;
    paths.add(folder.path);
    const parts = folder.path.split(DELIMITER);
    for (let i = 1; i < parts.length; i++) paths.add(parts.slice(0, i).join(DELIMITER));
  }
  const hasChildren = (path: string): boolean =>
    folders.some((folder) => folder.path.startsWith(path + DELIMITER));
  return [...paths].sort().map((path) => {
    const folder = exists.get(path);
    const attributes: Atom[] = [];
    if (!folder || (subscribedOnly && !folder.subscribed)) attributes.push(atom('\\Noselect'));
    attributes.push(atom(hasChildren(path) ? '\\HasChildren' : '\\HasNoChildren'));
    if (folder?.specialUse) attributes.push(atom(folder.specialUse));
    return [path, attributes];
  });
}

/** `*` any characters, `%` any but the delimiter; INBOX matches in any case (RFC 3501 §5.1). */
function patternMatcher(pattern: string): (path: string) => boolean {
  const source = [...pattern]
    .map((char) =>
      char === '*' ? '.*' : char === '%' ? '[^/]*' : char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  const exact = new RegExp(`^${source}$`, 'su');
  const inbox = new RegExp(`^${source}$`, 'isu');
  return (path) => exact.test(path) || (isInboxPath(path) && inbox.test(path));
}

function isInboxPath(path: string): boolean {
  return path === 'INBOX' || path.startsWith('INBOX/');
}
