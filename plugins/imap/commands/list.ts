import type { Folder } from '../../../core/index.js';
import { ancestorsOf, DELIMITER, isBelow } from '../mailbox/hierarchy.js';
import { statusItems, statusValues, type StatusItem } from '../mailbox/status-items.js';
import {
  atom,
  decodeMailboxName,
  describeArg,
  ImapParseError,
  type Atom,
  type ImapArg,
  type ImapCommand,
  type ResponseValue,
} from '../protocol/index.js';
import type { ImapSession } from '../session/session.js';
import { expectArgs, keyword, mailboxName } from './arguments.js';
import { AUTHENTICATED, ok, type CommandModule } from './command-module.js';

/**
 * RFC 3501 §6.3.8 LIST and §6.3.9 LSUB, with CHILDREN (RFC 3348) and SPECIAL-USE (RFC 6154)
 * attributes, LIST-EXTENDED (RFC 5258) and LIST-STATUS (RFC 5819). `*` matches any characters,
 * `%` any but the delimiter; the reference is prefixed to the pattern.
 *
 * Plain LIST and LSUB: a folder whose parent does not exist (`a/b` without `a`) makes the parent
 * appear as `\Noselect` where the pattern matches it, so a client can walk the tree; children and
 * special-use attributes always come.
 *
 * The extended form (selection options, several patterns, or RETURN options) answers as Dovecot
 * does: such a parent is `\NonExistent`, children attributes only with RETURN (CHILDREN),
 * special-use attributes only with RETURN (SPECIAL-USE) or the SPECIAL-USE selection, `\Subscribed`
 * with RETURN (SUBSCRIBED) or the SUBSCRIBED selection, CHILDINFO ("SUBSCRIBED") with
 * RECURSIVEMATCH, and a `* STATUS` after each selectable folder with RETURN (STATUS (...)). REMOTE
 * is accepted and changes nothing (there are no remote mailboxes). Selection options combine with
 * AND. An empty pattern matches nothing there (only plain `LIST "" ""` asks for the delimiter).
 */
export const list: CommandModule = {
  names: ['LIST', 'LSUB'],
  states: AUTHENTICATED,
  async run(command, session) {
    const request = command.name === 'LSUB' ? plainRequest(command) : parseList(command);
    const decode = (text: string): string =>
      session.enabled.has('UTF8=ACCEPT') ? text : decodeMailboxName(text);
    if (!request.extended && request.patterns[0] === '') {
      // RFC 3501: the delimiter and the root of the reference.
      await session.untagged([atom(command.name), [atom('\\Noselect')], DELIMITER, '']);
      return ok(`${command.name} completed`);
    }
    const matchers = request.patterns
      .filter((pattern) => pattern !== '')
      .map((pattern) => patternMatcher(decode(request.reference) + decode(pattern)));
    const matches = (path: string): boolean => matchers.some((matcher) => matcher(path));
    const folders = await session.services.storage.mail.listFolders(session.account!);
    if (request.extended) {
      await extendedList(session, request, folders, matches);
      return ok(`${command.name} completed`);
    }
    const lsub = command.name === 'LSUB';
    for (const [path, attributes] of listing(folders, lsub)) {
      if (matches(path))
        await session.untagged([atom(command.name), attributes, DELIMITER, mailboxName(path, session)]);
    }
    return ok(`${command.name} completed`);
  },
};

interface ListRequest {
  /** Selection options, several patterns or RETURN options were given (RFC 5258). */
  extended: boolean;
  reference: string;
  patterns: string[];
  select: { subscribed: boolean; specialUse: boolean; recursiveMatch: boolean };
  returns: { subscribed: boolean; children: boolean; specialUse: boolean; status?: StatusItem[] };
}

function emptyRequest(): ListRequest {
  return {
    extended: false,
    reference: '',
    patterns: [],
    select: { subscribed: false, specialUse: false, recursiveMatch: false },
    returns: { subscribed: false, children: false, specialUse: false },
  };
}

/** LSUB: a reference and a pattern. */
function plainRequest(command: ImapCommand): ListRequest {
  expectArgs(command, 2);
  const request = emptyRequest();
  request.reference = textOf(command.args[0], command.tag, 'a reference name');
  request.patterns = [textOf(command.args[1], command.tag, 'a mailbox pattern')];
  return request;
}

/** RFC 5258 §6: `LIST [(select-opts)] reference (pattern / (patterns)) [RETURN (return-opts)]`. */
function parseList(command: ImapCommand): ListRequest {
  const { args, tag } = command;
  const request = emptyRequest();
  let index = 0;
  const first = args[0];
  if (first?.type === 'list') {
    request.extended = true;
    parseSelectOptions(first.items, tag, request);
    index = 1;
  }
  if (args.length < index + 2) throw new ImapParseError(tag, `Missing arguments for ${command.name}`);
  request.reference = textOf(args[index], tag, 'a reference name');
  const patterns = args[index + 1];
  if (patterns.type === 'list') {
    if (patterns.items.length === 0) throw new ImapParseError(tag, 'Empty mailbox pattern list');
    request.extended = true;
    request.patterns = patterns.items.map((item) => textOf(item, tag, 'a mailbox pattern'));
  } else {
    request.patterns = [textOf(patterns, tag, 'a mailbox pattern')];
  }
  const rest = args.slice(index + 2);
  if (rest.length > 0) {
    const returns = rest[1];
    if (keyword(rest[0], tag, 'RETURN') !== 'RETURN' || returns?.type !== 'list' || rest.length > 2) {
      throw new ImapParseError(tag, `Expected RETURN (options) after the ${command.name} patterns`);
    }
    request.extended = true;
    parseReturnOptions(returns.items, tag, request);
  }
  return request;
}

function parseSelectOptions(items: readonly ImapArg[], tag: string, request: ListRequest): void {
  for (const item of items) {
    const option = keyword(item, tag, 'a LIST selection option');
    if (option === 'SUBSCRIBED') request.select.subscribed = true;
    else if (option === 'SPECIAL-USE') request.select.specialUse = true;
    else if (option === 'RECURSIVEMATCH') request.select.recursiveMatch = true;
    else if (option !== 'REMOTE') throw new ImapParseError(tag, `Unknown LIST selection option ${option}`);
  }
  const { select } = request;
  if (select.recursiveMatch && !select.subscribed && !select.specialUse) {
    throw new ImapParseError(tag, 'RECURSIVEMATCH needs another selection option besides REMOTE');
  }
}

function parseReturnOptions(items: readonly ImapArg[], tag: string, request: ListRequest): void {
  for (let index = 0; index < items.length; index++) {
    const option = keyword(items[index], tag, 'a LIST return option');
    if (option === 'SUBSCRIBED') request.returns.subscribed = true;
    else if (option === 'CHILDREN') request.returns.children = true;
    else if (option === 'SPECIAL-USE') request.returns.specialUse = true;
    else if (option === 'STATUS') {
      const wanted = items[++index];
      if (wanted?.type !== 'list')
        throw new ImapParseError(tag, 'Expected a list of status items after STATUS');
      request.returns.status = statusItems(wanted.items, tag);
    } else {
      throw new ImapParseError(tag, `Unknown LIST return option ${option}`);
    }
  }
}

/** A reference or pattern: an atom (`%`, `Dr*`), `*`, a number, or a string. */
function textOf(arg: ImapArg | undefined, tag: string, what: string): string {
  if (arg?.type === 'atom') return arg.value;
  if (arg?.type === 'number' || arg?.type === 'sequence') return arg.raw;
  if (arg?.type === 'string') return arg.value.toString('utf8');
  throw new ImapParseError(tag, `Expected ${what}, got ${arg ? describeArg(arg) : 'nothing'}`);
}

/** The RFC 5258 answer: the names that match a pattern and the selection, in path order. */
async function extendedList(
  session: ImapSession,
  request: ListRequest,
  folders: Folder[],
  matches: (path: string) => boolean,
): Promise<void> {
  const { select, returns } = request;
  const byPath = new Map(folders.map((folder) => [folder.path, folder]));
  const names = new Set<string>();
  for (const folder of folders)
    for (const path of [...ancestorsOf(folder.path), folder.path]) names.add(path);
  const filtered = select.subscribed || select.specialUse;
  const isSelected = (folder: Folder | undefined): boolean =>
    !filtered ||
    (folder !== undefined &&
      (!select.subscribed || folder.subscribed) &&
      (!select.specialUse || folder.specialUse !== undefined));
  for (const path of [...names].sort()) {
    if (!matches(path)) continue;
    const folder = byPath.get(path);
    // RFC 5258 §3.5: a descendant the selection picks but the patterns do not.
    const childInfo =
      select.recursiveMatch &&
      select.subscribed &&
      folders.some((child) => isBelow(child.path, path) && isSelected(child) && !matches(child.path));
    if (!isSelected(folder) && !childInfo) continue;
    const attributes: Atom[] = [];
    if ((returns.subscribed || select.subscribed) && folder?.subscribed)
      attributes.push(atom('\\Subscribed'));
    if (!folder) attributes.push(atom('\\NonExistent'));
    if (returns.children) {
      const children = folders.some((child) => isBelow(child.path, path));
      attributes.push(atom(children ? '\\HasChildren' : '\\HasNoChildren'));
    }
    if ((returns.specialUse || select.specialUse) && folder?.specialUse)
      attributes.push(atom(folder.specialUse));
    const name = mailboxName(path, session);
    const response: ResponseValue[] = [atom('LIST'), attributes, DELIMITER, name];
    if (childInfo) response.push([atom('CHILDINFO'), ['SUBSCRIBED']]);
    await session.untagged(response);
    if (returns.status && folder) {
      await session.untagged([atom('STATUS'), name, statusValues(folder, returns.status, session)]);
    }
  }
}

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
