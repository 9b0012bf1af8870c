/**
 * Reading a command's arguments where a command expects them, with the precise BAD otherwise.
 * The tree comes from protocol/arguments.ts; these helpers know IMAP's value kinds (astring,
 * mailbox, flag lists) on top of it.
 */
import { checkFolderPath, InvalidNameError } from '../../../core/index.js';
import {
  decodeMailboxName,
  describeArg,
  encodeMailboxName,
  ImapParseError,
  type ImapArg,
  type ImapCommand,
} from '../protocol/index.js';
import type { ImapSession } from '../session/session.js';

/** The argument count must be exactly `count` (or within [min, max]). */
export function expectArgs(command: ImapCommand, min: number, max = min): void {
  if (command.args.length < min)
    throw new ImapParseError(command.tag, `Missing arguments for ${command.name}`);
  if (command.args.length > max)
    throw new ImapParseError(command.tag, `Too many arguments for ${command.name}`);
}

/** An astring (atom, number, quoted string or literal) as text; UTF-8 when it is a string. */
export function astring(command: ImapCommand, index: number, what: string): string {
  const arg = command.args[index];
  if (arg?.type === 'atom') return arg.value;
  if (arg?.type === 'number' || arg?.type === 'sequence') return arg.raw;
  if (arg?.type === 'string') return arg.value.toString('utf8');
  throw new ImapParseError(command.tag, `Expected ${what}, got ${arg ? describeArg(arg) : 'nothing'}`);
}

/** A list argument's items, or BAD. */
export function listOf(command: ImapCommand, index: number, what: string): readonly ImapArg[] {
  const arg = command.args[index];
  if (arg?.type === 'list') return arg.items;
  throw new ImapParseError(command.tag, `Expected ${what} list, got ${arg ? describeArg(arg) : 'nothing'}`);
}

/** An atom argument, upper-cased, or BAD. */
export function keyword(arg: ImapArg | undefined, tag: string, what: string): string {
  if (arg?.type === 'atom') return arg.value.toUpperCase();
  throw new ImapParseError(tag, `Expected ${what}, got ${arg ? describeArg(arg) : 'nothing'}`);
}

/**
 * The storage path a mailbox name stands for: modified UTF-7 decoded (unless the client enabled
 * UTF8=ACCEPT, RFC 6855 §3), `INBOX` in any case is the inbox, `/` separates levels. A name that
 * no folder can have is a NO (RFC 3501 §6.3: the name is well-formed IMAP, just not usable here).
 */
export function mailboxPath(command: ImapCommand, index: number, session: ImapSession): string {
  const raw = astring(command, index, 'a mailbox name');
  const name = session.enabled.has('UTF8=ACCEPT') ? raw : decodeMailboxName(raw);
  try {
    return checkFolderPath(name.endsWith('/') ? name.slice(0, -1) : name);
  } catch (err) {
    if (err instanceof InvalidNameError) {
      throw new ImapParseError(command.tag, `Invalid mailbox name: ${err.message}`, 'NO', 'CANNOT');
    }
    throw err;
  }
}

/** A storage path as the client reads it (modified UTF-7 unless UTF8=ACCEPT). */
export function mailboxName(path: string, session: ImapSession): string {
  return session.enabled.has('UTF8=ACCEPT') ? path : encodeMailboxName(path);
}
