/**
 * Command lines (spec §2.5): the command table as data, and the lexer that turns one line into a
 * typed command. The lexer reports only syntax (`500`, `501`); the checks that follow it in the
 * §2.3 order and need no storage (state `502`, locality `503`, then an unsupported version `504`
 * or login method `511`) are in `precheck`, so the session answers `Version x` with `501` in
 * either state and `Version 3` with `502` once logged in.
 */
import {
  ROOT_NAME,
  checkHost,
  checkIpAddress,
  checkLogName,
  checkMailboxName,
  checkOpaqueId,
  checkUsername,
} from './names.js';
import { AvProtocolError, formatResponse } from './responses.js';
import { scanTokens, type Token } from './tokens.js';
import { asciiLowerCase } from '../../../core/index.js';

/** Protocol versions this server speaks (§2.5.1); a session starts at 1 (§2.4). */
export const SUPPORTED_VERSIONS: readonly number[] = [1, 2];
export const DEFAULT_VERSION = 1;

/** The selector of Add / Remove / Set / Show (§2.5.4). A null name (`''`) is the root entity. */
export type EntitySelector =
  | { readonly kind: 'Environment' }
  | { readonly kind: 'Server' }
  | { readonly kind: 'Mailbox'; readonly name: string }
  | { readonly kind: 'Domain'; readonly name: string }
  | { readonly kind: 'Log'; readonly name: string }
  | { readonly kind: 'Message'; readonly id: string }
  /** The optional `Event <log-name> <event-id>` extension of §2.5.4. */
  | { readonly kind: 'Event'; readonly log: string; readonly id: string };

export type LoginCommand =
  | {
      readonly kind: 'Login';
      readonly method: 'Password';
      readonly username: string;
      readonly password: string;
    }
  /** `digest`: 32 hex digits, lower-cased. */
  | { readonly kind: 'Login'; readonly method: 'Digest'; readonly username: string; readonly digest: string }
  /** Answered `511` by precheck, after the state check. */
  | { readonly kind: 'Login'; readonly method: 'Unsupported'; readonly methodName: string };

export type AvCommand =
  /** `version` may be unsupported: precheck answers `504`. */
  | { readonly kind: 'Version'; readonly version: number }
  | { readonly kind: 'ProxyAddress'; readonly address: string }
  | { readonly kind: 'ProxyHost'; readonly host: string }
  | LoginCommand
  | { readonly kind: 'Help' }
  | { readonly kind: 'Quit' }
  | { readonly kind: 'Logout' }
  | { readonly kind: 'WriteLog'; readonly log: string }
  /** Without `secondsBack`, only events posted after the command. */
  | { readonly kind: 'ReadLog'; readonly log: string; readonly secondsBack?: number }
  | { readonly kind: 'Lookup'; readonly username: string }
  | { readonly kind: 'Test' }
  | { readonly kind: 'TestDomain'; readonly domain: string }
  | { readonly kind: 'CreateMailbox'; readonly mailbox: string }
  | { readonly kind: 'DeleteMailbox'; readonly mailbox: string }
  | { readonly kind: 'Add' | 'Remove' | 'Set' | 'Show'; readonly entity: EntitySelector }
  | { readonly kind: 'ResetDomain'; readonly domain: string }
  | { readonly kind: 'ResetMailbox'; readonly mailbox: string }
  | { readonly kind: 'ResetMessage'; readonly id: string }
  | { readonly kind: 'DeleteMessage'; readonly id: string };

export type CommandKind = AvCommand['kind'];
export type AttributeVerb = 'Add' | 'Remove' | 'Set' | 'Show';

/** Who may send a command, beyond its state (§2.3 `503`, §2.5.1, §2.7). */
export type Locality =
  /** Anyone. */
  | 'any'
  /** Only when the real TCP peer is local, whatever Proxy Address says (Proxy itself). */
  | 'real-peer'
  /** While logged out, only when the effective client address is local (Write Log, Lookup). */
  | 'effective-when-logged-out';

export interface CommandSpec {
  readonly kind: CommandKind;
  /** The command words, canonical spelling. */
  readonly keywords: readonly string[];
  /** The syntax as Help shows it. */
  readonly syntax: string;
  readonly summary: string;
  readonly loggedOut: boolean;
  readonly loggedIn: boolean;
  readonly locality: Locality;
  /** The arguments (the tokens after the command words) to the command, or `501`. */
  readonly parse: (args: readonly Token[]) => AvCommand;
}

function syntaxError(detail: string): AvProtocolError {
  return AvProtocolError.of('SYNTAX_ERROR', detail);
}

function count(args: readonly Token[], min: number, max = min): void {
  if (args.length < min || args.length > max) {
    throw syntaxError(min === max ? `expected ${min} argument(s)` : `expected ${min} to ${max} arguments`);
  }
}

function need(value: string | undefined, what: string): string {
  if (value === undefined) throw syntaxError(`malformed ${what}`);
  return value;
}

/**
 * Keywords are bare words matched case-insensitively (§2.1), in ASCII only so that no Unicode
 * folding (the Kelvin sign to `k`) makes a keyword of something else; a quoted token is never one.
 */
function isKeyword(token: Token | undefined, keyword: string): boolean {
  return token !== undefined && !token.quoted && asciiLowerCase(token.text) === asciiLowerCase(keyword);
}

const DIGITS = /^\d+$/;

const noArguments =
  (command: AvCommand) =>
  (args: readonly Token[]): AvCommand => {
    count(args, 0);
    return command;
  };

/** A mailbox name, or `""` for the root where the command takes one (Create gives 521, Delete 525). */
function mailboxOrRoot(token: Token): string {
  return token.text === ROOT_NAME ? ROOT_NAME : need(checkMailboxName(token.text), 'mailbox name');
}

/**
 * A log to read or write. §2.1 makes log names single words and gives `""` only to the root log,
 * which enumerates logs and holds no events, so the null name is a syntax error here.
 */
function logName(token: Token): string {
  return need(checkLogName(token.text), 'log name');
}

function parseLogin(args: readonly Token[]): AvCommand {
  if (args.length === 0) throw syntaxError('expected a login method');
  const [method, ...parameters] = args;
  if (isKeyword(method, 'Password')) {
    count(parameters, 2);
    return { kind: 'Login', method: 'Password', username: parameters[0].text, password: parameters[1].text };
  }
  if (isKeyword(method, 'Digest')) {
    count(parameters, 2);
    // §2.5.3 writes the digest in lower case; upper-case hex is the same number, so it is accepted.
    const digest = need(
      /^[0-9a-f]{32}$/i.test(parameters[1].text) ? parameters[1].text : undefined,
      'digest',
    );
    return { kind: 'Login', method: 'Digest', username: parameters[0].text, digest: asciiLowerCase(digest) };
  }
  // An unknown method's parameters are unknown too: any count gets 511, never 501.
  return { kind: 'Login', method: 'Unsupported', methodName: method.text };
}

/**
 * §2.5.4. `Show Mailbox` without a name means the root (likewise Domain and Log); the spec says so
 * for Show only, so Add / Remove / Set need the name, `""` for the root: a missing name must not
 * turn a change into one of the root.
 */
function parseEntity(verb: AttributeVerb, args: readonly Token[]): EntitySelector {
  const [kind, ...rest] = args;
  const named = (what: string, check: (text: string) => string | undefined): string => {
    if (rest.length === 0 && verb === 'Show') return ROOT_NAME;
    count(rest, 1);
    return rest[0].text === ROOT_NAME ? ROOT_NAME : need(check(rest[0].text), what);
  };
  if (isKeyword(kind, 'Environment') || isKeyword(kind, 'Server')) {
    count(rest, 0);
    return { kind: isKeyword(kind, 'Server') ? 'Server' : 'Environment' };
  }
  if (isKeyword(kind, 'Mailbox')) return { kind: 'Mailbox', name: named('mailbox name', checkMailboxName) };
  if (isKeyword(kind, 'Domain')) return { kind: 'Domain', name: named('domain name', checkHost) };
  if (isKeyword(kind, 'Log')) return { kind: 'Log', name: named('log name', checkLogName) };
  if (isKeyword(kind, 'Message')) {
    count(rest, 1);
    return { kind: 'Message', id: need(checkOpaqueId(rest[0].text), 'message id') };
  }
  if (isKeyword(kind, 'Event')) {
    count(rest, 2);
    return { kind: 'Event', log: logName(rest[0]), id: need(checkOpaqueId(rest[1].text), 'event id') };
  }
  throw syntaxError('expected Environment, Server, Mailbox, Domain, Log, Message or Event');
}

const attributeCommand =
  (verb: AttributeVerb) =>
  (args: readonly Token[]): AvCommand => ({ kind: verb, entity: parseEntity(verb, args) });

/** §2.5.1 and §2.5.2, logged-out commands first, as Help lists them. */
export const AV_COMMANDS: readonly CommandSpec[] = [
  {
    kind: 'Version',
    keywords: ['Version'],
    syntax: 'Version <n>',
    summary: 'use protocol version n (1 or 2)',
    loggedOut: true,
    loggedIn: false,
    locality: 'any',
    parse(args) {
      count(args, 1);
      return {
        kind: 'Version',
        version: Number(need(DIGITS.test(args[0].text) ? args[0].text : undefined, 'version')),
      };
    },
  },
  {
    kind: 'ProxyAddress',
    keywords: ['Proxy', 'Address'],
    syntax: 'Proxy Address <ip-address>',
    summary: 'act for the remote host at ip-address (local initiators only)',
    loggedOut: true,
    loggedIn: true,
    locality: 'real-peer',
    parse(args) {
      count(args, 1);
      return { kind: 'ProxyAddress', address: need(checkIpAddress(args[0].text), 'IP address') };
    },
  },
  {
    kind: 'ProxyHost',
    keywords: ['Proxy', 'Host'],
    syntax: 'Proxy Host <host>',
    summary: 'name the remote host acted for, for the logs (local initiators only)',
    loggedOut: true,
    loggedIn: true,
    locality: 'real-peer',
    parse(args) {
      count(args, 1);
      return { kind: 'ProxyHost', host: need(checkHost(args[0].text), 'host') };
    },
  },
  {
    kind: 'Login',
    keywords: ['Login'],
    syntax: 'Login Password|Digest <username> <password-or-digest>',
    summary: 'log in as a mailbox',
    loggedOut: true,
    loggedIn: false,
    locality: 'any',
    parse: parseLogin,
  },
  {
    kind: 'Logout',
    keywords: ['Logout'],
    syntax: 'Logout',
    summary: 'log out without disconnecting',
    loggedOut: false,
    loggedIn: true,
    locality: 'any',
    parse: noArguments({ kind: 'Logout' }),
  },
  {
    kind: 'Help',
    keywords: ['Help'],
    syntax: 'Help',
    summary: 'list the commands of this state',
    loggedOut: true,
    loggedIn: true,
    locality: 'any',
    parse: noArguments({ kind: 'Help' }),
  },
  {
    kind: 'Quit',
    keywords: ['Quit'],
    syntax: 'Quit',
    summary: 'disconnect',
    loggedOut: true,
    loggedIn: true,
    locality: 'any',
    parse: noArguments({ kind: 'Quit' }),
  },
  {
    kind: 'Test',
    keywords: ['Test'],
    syntax: 'Test',
    summary: 'test the server',
    loggedOut: false,
    loggedIn: true,
    locality: 'any',
    parse: noArguments({ kind: 'Test' }),
  },
  {
    kind: 'TestDomain',
    keywords: ['Test', 'Domain'],
    syntax: 'Test Domain <domain>',
    summary: 'test SMTP access to a domain',
    loggedOut: false,
    loggedIn: true,
    locality: 'any',
    parse(args) {
      count(args, 1);
      return { kind: 'TestDomain', domain: need(checkHost(args[0].text), 'domain name') };
    },
  },
  {
    kind: 'CreateMailbox',
    keywords: ['Create', 'Mailbox'],
    syntax: 'Create Mailbox <name>',
    summary: 'create a mailbox',
    loggedOut: false,
    loggedIn: true,
    locality: 'any',
    parse(args) {
      count(args, 1);
      return { kind: 'CreateMailbox', mailbox: mailboxOrRoot(args[0]) };
    },
  },
  {
    kind: 'DeleteMailbox',
    keywords: ['Delete', 'Mailbox'],
    syntax: 'Delete Mailbox <name>',
    summary: 'delete a mailbox',
    loggedOut: false,
    loggedIn: true,
    locality: 'any',
    parse(args) {
      count(args, 1);
      return { kind: 'DeleteMailbox', mailbox: mailboxOrRoot(args[0]) };
    },
  },
  ...(['Add', 'Remove', 'Set', 'Show'] as const).map((verb): CommandSpec => ({
    kind: verb,
    keywords: [verb],
    syntax: `${verb} <entity>`,
    summary: {
      Add: 'add attribute values',
      Remove: 'remove attribute values',
      Set: 'assign attribute values',
      Show: 'show attribute values',
    }[verb],
    loggedOut: false,
    loggedIn: true,
    locality: 'any',
    parse: attributeCommand(verb),
  })),
  {
    kind: 'ReadLog',
    keywords: ['Read', 'Log'],
    syntax: 'Read Log <log-name> [<seconds-back>]',
    summary: 'stream the events of a log until disconnect',
    loggedOut: false,
    loggedIn: true,
    locality: 'any',
    parse(args) {
      count(args, 1, 2);
      const log = logName(args[0]);
      if (args.length === 1) return { kind: 'ReadLog', log };
      const back = Number(need(DIGITS.test(args[1].text) ? args[1].text : undefined, 'seconds-back'));
      if (!Number.isSafeInteger(back)) throw syntaxError('seconds-back out of range');
      return { kind: 'ReadLog', log, secondsBack: back };
    },
  },
  {
    kind: 'WriteLog',
    keywords: ['Write', 'Log'],
    syntax: 'Write Log <log-name>',
    summary: 'log every following line until disconnect',
    loggedOut: true,
    loggedIn: true,
    locality: 'effective-when-logged-out',
    parse(args) {
      count(args, 1);
      return { kind: 'WriteLog', log: logName(args[0]) };
    },
  },
  {
    kind: 'Lookup',
    keywords: ['Lookup'],
    syntax: 'Lookup <username>',
    summary: 'name the mailbox serving a local user',
    loggedOut: true,
    loggedIn: true,
    locality: 'effective-when-logged-out',
    parse(args) {
      count(args, 1);
      return { kind: 'Lookup', username: need(checkUsername(args[0].text), 'username') };
    },
  },
  {
    kind: 'ResetDomain',
    keywords: ['Reset', 'Domain'],
    syntax: 'Reset Domain <domain>',
    summary: 'allow new connections to a domain and clear breakin records of an address',
    loggedOut: false,
    loggedIn: true,
    locality: 'any',
    parse(args) {
      count(args, 1);
      return { kind: 'ResetDomain', domain: need(checkHost(args[0].text), 'domain name') };
    },
  },
  {
    kind: 'ResetMailbox',
    keywords: ['Reset', 'Mailbox'],
    syntax: 'Reset Mailbox <name>',
    summary: 'clear the breakin records of a mailbox',
    loggedOut: false,
    loggedIn: true,
    locality: 'any',
    parse(args) {
      count(args, 1);
      return { kind: 'ResetMailbox', mailbox: need(checkMailboxName(args[0].text), 'mailbox name') };
    },
  },
  {
    kind: 'ResetMessage',
    keywords: ['Reset', 'Message'],
    syntax: 'Reset Message <message-id>',
    summary: 'send a message back for routing again',
    loggedOut: false,
    loggedIn: true,
    locality: 'any',
    parse(args) {
      count(args, 1);
      return { kind: 'ResetMessage', id: need(checkOpaqueId(args[0].text), 'message id') };
    },
  },
  {
    kind: 'DeleteMessage',
    keywords: ['Delete', 'Message'],
    syntax: 'Delete Message <message-id>',
    summary: 'delete a message, reporting it to the originator if in transit',
    loggedOut: false,
    loggedIn: true,
    locality: 'any',
    parse(args) {
      count(args, 1);
      return { kind: 'DeleteMessage', id: need(checkOpaqueId(args[0].text), 'message id') };
    },
  },
];

const SPECS_BY_KIND: ReadonlyMap<CommandKind, CommandSpec> = new Map(
  AV_COMMANDS.map((spec) => [spec.kind, spec]),
);

export function commandSpec(kind: CommandKind): CommandSpec {
  return SPECS_BY_KIND.get(kind)!;
}

/**
 * The command whose words start `tokens`, the longest first, so `Test Domain x` is Test Domain
 * and `Test x` is Test (with a surplus argument).
 */
function matchCommand(tokens: readonly Token[]): CommandSpec | undefined {
  let best: CommandSpec | undefined;
  for (const spec of AV_COMMANDS) {
    const matches = spec.keywords.every((keyword, index) => isKeyword(tokens[index], keyword));
    if (matches && (best === undefined || spec.keywords.length > best.keywords.length)) best = spec;
  }
  return best;
}

/**
 * One command line (without its line ending) as a command. Throws `AvProtocolError` with
 * `500 Unknown command` when its words name no command (an empty line included), and `501 Syntax
 * error` for a known command with malformed or surplus arguments.
 */
export function lexCommand(line: string): AvCommand {
  const { tokens, error } = scanTokens(line);
  const spec = matchCommand(tokens);
  if (spec === undefined) throw AvProtocolError.of('UNKNOWN_COMMAND', 'no such command');
  if (error) throw error;
  return spec.parse(tokens.slice(spec.keywords.length));
}

/** What the session knows about itself when a command arrives. */
export interface SessionState {
  readonly loggedIn: boolean;
  /** The real TCP peer is the local host (loopback or one of its addresses). */
  readonly peerIsLocal: boolean;
  /** The effective client address (after Proxy Address) is local (decision 11). */
  readonly effectiveIsLocal: boolean;
}

/**
 * The refusal of a lexed command that needs no storage, as the response line to send, or
 * undefined when the command may run. In the §2.3 order: state `502`, locality `503`, then the
 * command's own `504` (Version) or `511` (Login).
 */
export function precheck(command: AvCommand, session: SessionState): string | undefined {
  const spec = commandSpec(command.kind);
  if (!(session.loggedIn ? spec.loggedIn : spec.loggedOut)) return formatResponse('NOT_AVAILABLE_IN_STATE');
  const local =
    spec.locality === 'any' ||
    (spec.locality === 'real-peer' && session.peerIsLocal) ||
    (spec.locality === 'effective-when-logged-out' && (session.loggedIn || session.effectiveIsLocal));
  if (!local) return formatResponse('LOCAL_INITIATORS_ONLY');
  if (command.kind === 'Version' && !SUPPORTED_VERSIONS.includes(command.version)) {
    return formatResponse('UNSUPPORTED_VERSION');
  }
  if (command.kind === 'Login' && command.method === 'Unsupported')
    return formatResponse('UNSUPPORTED_LOGIN_METHOD');
  return undefined;
}

/**
 * The Help text of a state (§2.5.1: help on the commands of the current state). Each line starts
 * with the command's syntax, then ` - ` and what it does.
 */
export function helpLines(loggedIn: boolean): string[] {
  return AV_COMMANDS.filter((spec) => (loggedIn ? spec.loggedIn : spec.loggedOut)).map(
    (spec) => `${spec.syntax} - ${spec.summary}`,
  );
}
