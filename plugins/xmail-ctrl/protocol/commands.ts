/**
 * The CTRL command table (spec §2, checked against CTRLSvr.cpp `CTRLProcessCommand` and every
 * `CTRLDo_*`), as data: the dispatcher looks a command up, checks its token count here, and only then
 * calls the handler.
 *
 * Token counts INCLUDE the command name. Every XMail handler answers a wrong count with
 * `-00103 Bad CTRL command syntax` (§6: `"noop"\t"x"`, 5-token userlist on 1.27), as does an empty
 * line, `""`, or an unknown command. Counts above a command's minimum are ignored where XMail
 * ignores them (e.g. `frozlist x y`, `mluseradd d l a perms extra`).
 */
import type { XMailErrorName } from './errors.js';
import { asciiLowerCase } from '../../../core/index.js';

/** How a successful command answers (§1 "Response line", §3.2, §3.3). */
export type CtrlResponseKind =
  /** `+00000 OK`. */
  | 'status'
  /** `+00100 OK`, generated quoted rows (§3.3), `.`. */
  | 'list'
  /** `+00100 OK`, a dot-stuffed file body (§3.2), `.`. */
  | 'file'
  /** `+00101 OK`, dot-stuffed upload until `.`, then the final status line. */
  | 'upload';

/** Accepted token counts: `min..max` (max absent = unbounded), optionally odd only, minus `except`. */
export interface TokenCountRule {
  readonly min: number;
  readonly max?: number;
  readonly oddOnly?: true;
  readonly except?: readonly number[];
}

export interface CtrlCommandSpec {
  /** Lower-case name; matching is case-insensitive (`stricmp`, §2). */
  readonly name: string;
  readonly tokens: TokenCountRule;
  readonly response: CtrlResponseKind;
  /** Column names of a `list` response, in wire order (§3.3). */
  readonly columns?: readonly string[];
  /** The session ends after the reply (`quit`). */
  readonly closesSession?: true;
  /** Not in XMail 1.27: AfterLogic's additions, implemented per decision 2 / §2.4 without ground truth. */
  readonly afterLogicExtension?: true;
}

const exactly = (count: number): TokenCountRule => ({ min: count, max: count });
const atLeast = (count: number): TokenCountRule => ({ min: count });
const atMost = (count: number): TokenCountRule => ({ min: 1, max: count });

/** §2 table, in the dispatcher's order. */
export const CTRL_COMMANDS: readonly CtrlCommandSpec[] = [
  { name: 'useradd', tokens: exactly(5), response: 'status' },
  { name: 'userdel', tokens: exactly(3), response: 'status' },
  { name: 'userpasswd', tokens: exactly(4), response: 'status' },
  { name: 'uservars', tokens: exactly(3), response: 'list', columns: ['name', 'value'] },
  // `uservarsset dom user (name value)+`: CTRLDo_uservarsset rejects < 5 or an even count.
  { name: 'uservarsset', tokens: { min: 5, oddOnly: true }, response: 'status' },
  // 1.27 takes at most 3 tokens; 5 is AfterLogic's paging (`dom user start amount`, decision 2).
  // 4 stays -00103.
  {
    name: 'userlist',
    tokens: { min: 1, max: 5, except: [4] },
    response: 'list',
    columns: ['domain', 'name', 'password', 'type'],
  },
  {
    name: 'usercount',
    tokens: atMost(2),
    response: 'list',
    columns: ['domain', 'count'],
    afterLogicExtension: true,
  },
  { name: 'usergetmproc', tokens: atLeast(3), response: 'file' },
  { name: 'usersetmproc', tokens: atLeast(3), response: 'upload' },
  { name: 'userauth', tokens: exactly(4), response: 'status' },
  { name: 'userstat', tokens: exactly(3), response: 'list', columns: ['variable', 'value'] },
  { name: 'aliasadd', tokens: exactly(4), response: 'status' },
  { name: 'aliasdel', tokens: exactly(3), response: 'status' },
  { name: 'aliaslist', tokens: atMost(4), response: 'list', columns: ['domain', 'alias', 'account'] },
  { name: 'exaliasadd', tokens: exactly(3), response: 'status' },
  { name: 'exaliasdel', tokens: exactly(2), response: 'status' },
  {
    name: 'exaliaslist',
    tokens: atMost(3),
    response: 'list',
    columns: ['rmt-domain', 'rmt-name', 'loc-domain', 'loc-name'],
  },
  { name: 'mluseradd', tokens: atLeast(4), response: 'status' },
  { name: 'mluserdel', tokens: exactly(4), response: 'status' },
  { name: 'mluserlist', tokens: exactly(3), response: 'list', columns: ['address', 'perms'] },
  { name: 'domainadd', tokens: exactly(2), response: 'status' },
  { name: 'domaindel', tokens: exactly(2), response: 'status' },
  // Any number of patterns, OR-ed (§3.4).
  { name: 'domainlist', tokens: atLeast(1), response: 'list', columns: ['domain'] },
  { name: 'custdomget', tokens: exactly(2), response: 'file' },
  { name: 'custdomset', tokens: exactly(2), response: 'upload' },
  { name: 'custdomlist', tokens: exactly(1), response: 'list', columns: ['domain'] },
  { name: 'poplnkadd', tokens: exactly(7), response: 'status' },
  { name: 'poplnkdel', tokens: exactly(5), response: 'status' },
  {
    name: 'poplnklist',
    tokens: atMost(3),
    response: 'list',
    columns: ['ldom', 'luser', 'rdom', 'ruser', 'rpass', 'authtype', 'enabled'],
  },
  { name: 'poplnkenable', tokens: atLeast(4), response: 'status' },
  { name: 'filelist', tokens: exactly(3), response: 'list', columns: ['filename', 'size'] },
  { name: 'cfgfileget', tokens: exactly(2), response: 'file' },
  { name: 'cfgfileset', tokens: exactly(2), response: 'upload' },
  // XMail sends frozlist through MscSendTextFile, but its rows are quoted so stuffing never applies.
  {
    name: 'frozlist',
    tokens: atLeast(1),
    response: 'list',
    columns: ['msgfile', 'lev0', 'lev1', 'from', 'rcpt', 'time', 'size', 'trycount', 'froz'],
  },
  { name: 'frozsubmit', tokens: atLeast(4), response: 'status' },
  { name: 'frozdel', tokens: atLeast(4), response: 'status' },
  { name: 'frozgetlog', tokens: atLeast(4), response: 'file' },
  { name: 'frozgetmsg', tokens: atLeast(4), response: 'file' },
  { name: 'aliasdomainadd', tokens: exactly(3), response: 'status' },
  { name: 'aliasdomaindel', tokens: exactly(2), response: 'status' },
  // Any count is accepted; with 4 or more tokens XMail's filter matches nothing: an empty list.
  { name: 'aliasdomainlist', tokens: atLeast(1), response: 'list', columns: ['real-domain', 'alias-domain'] },
  { name: 'etrn', tokens: atLeast(2), response: 'status' },
  { name: 'noop', tokens: exactly(1), response: 'status' },
  { name: 'quit', tokens: exactly(1), response: 'status', closesSession: true },
];

const COMMANDS_BY_NAME: ReadonlyMap<string, CtrlCommandSpec> = new Map(
  CTRL_COMMANDS.map((spec) => [spec.name, spec]),
);

/** The error for an empty line, an unknown command and a wrong token count alike (§2). */
export const BAD_COMMAND_ERROR: XMailErrorName = 'BAD_CTRL_COMMAND';

export function findCommand(name: string): CtrlCommandSpec | undefined {
  return COMMANDS_BY_NAME.get(asciiLowerCase(name));
}

export function acceptsTokenCount(rule: TokenCountRule, count: number): boolean {
  return (
    count >= rule.min &&
    (rule.max === undefined || count <= rule.max) &&
    (!rule.oddOnly || count % 2 === 1) &&
    !rule.except?.includes(count)
  );
}

export type ResolvedCommand =
  | { readonly kind: 'command'; readonly spec: CtrlCommandSpec; readonly args: readonly string[] }
  | { readonly kind: 'error'; readonly error: XMailErrorName };

/**
 * Dispatcher front half: tokens of one command line (tokenizeTabLine) to the command and its
 * arguments (the tokens after the name), or the error to answer. The session continues either way.
 */
export function resolveCommand(tokens: readonly string[]): ResolvedCommand {
  const spec = tokens.length > 0 ? findCommand(tokens[0]) : undefined;
  if (spec === undefined || !acceptsTokenCount(spec.tokens, tokens.length)) {
    return { kind: 'error', error: BAD_COMMAND_ERROR };
  }
  return { kind: 'command', spec, args: tokens.slice(1) };
}
