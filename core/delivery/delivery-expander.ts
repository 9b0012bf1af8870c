/**
 * Delivery-time expansion of one recipient (DESIGN.md, "The path of a message": the worker's
 * `router.expand`). Given the envelope and a way to read the stored body, it answers an ordered
 * list of actions for the worker to carry out; it stores nothing and sends nothing itself.
 *
 * The hop limit is not checked here: it concerns the whole message, and the worker checks it before
 * any recipient is expanded (delivery-policy.ts, hopExcess).
 *
 * Order, for one recipient:
 * 1. routing (router.ts lookup): alias domains, accounts, XMail aliases, AltaVista usernames; a
 *    username record with a redirection forwards (AltaVista §2.8 step 1);
 * 2. a non-local domain with a custom domain file (`custdomains/a.b.c.tab`, `.b.c.tab`, `.c.tab`,
 *    `.tab`) runs its commands; any other goes to `remote`;
 * 3. an account: ReceiveEnable, then DefaultRedirection (§2.8 step 2), then list expansion with
 *    ClosedML and member permissions (step 3), then the domain's and the user's mailproc.tab, else
 *    the mailbox, subject to MaxMessageSize and MaxMBSize (delivery-policy.ts).
 * Every forward is a new message, one more hop. Its reverse path is the account's ReportTarget
 * (lists: else ListSender) unless the original one is null, which stays null (no report loops).
 */
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Account, AccountKey } from '../model/directory.js';
import { InvalidNameError } from '../model/names.js';
import { accountAttribute, isMailingList } from '../model/account-kind.js';
import type { Storage } from '../ports/storage.js';
import {
  DeliveryPolicy,
  mayPostToList,
  memberPerms,
  userVar,
  type DeliveryRejection,
} from './delivery-policy.js';
import { mailprocPath } from '../model/mail-root.js';
import {
  EXTERNAL_EXIT_BREAK,
  filterVerdict,
  MessageFiles,
  parseMailprocCommand,
  type MailprocCommand,
} from './mailproc.js';
import { macroEnvironment, substituteMacros, type MacroSource } from './mailproc-macros.js';
import { programEnvironment, runProgram, type ProgramResult } from './mailproc-program.js';
import type { Router } from '../routing/router.js';
import { findCustomDomainFile } from '../routing/custom-domains.js';
import { parseTabFile } from '../model/tab-lines.js';

export interface ExpansionRequest {
  /** Reverse path; '' for the null sender (reports). */
  mailFrom: string;
  recipient: string;
  /** Octets of the stored body. */
  size: number;
  /** The SMTP AUTH user that submitted the message, if any (list `A` permission, @@USERAUTH). */
  authUser?: string;
  /** A fresh stream of the stored body on each call (for @@FILE). */
  openBody: () => Promise<Readable>;
  /** The queue id (@@MSGID). */
  queueId?: string;
  /** The message's Message-ID header (@@MSGREF). */
  messageId?: string;
}

export type DeliveryAction =
  /** Append to the account's folder; `returnPath` is the reverse path mapped through external aliases. */
  | { kind: 'store'; account: AccountKey; folder: 'INBOX'; returnPath: string }
  /** Enqueue a new message to `to` with reverse path `mailFrom` (one more hop). */
  | { kind: 'forward'; to: string; mailFrom: string }
  /** Send over SMTP to `address`: through `relay` hosts (`host[:port]`, in order) or by MX. */
  | { kind: 'remote'; address: string; relay?: string[] }
  | DeliveryRejection
  /** Nothing more to do for this recipient (a filter dropped it, commands consumed it ...). */
  | { kind: 'discard'; reason: string };

export interface ExpansionOptions {
  /** Where @@FILE copies are written (default: the OS temp dir). */
  tmpDir?: string;
  /**
   * Told about commands that could not run or were malformed, and about macro values made safe for
   * a program's arguments; processing goes on, as in XMail.
   */
  onCommandProblem?: (problem: { file: string; line: string[]; problem: string }) => void;
}

/** Who runs a command file: a local account (mailproc.tab) or a custom domain / cmd alias. */
interface CommandScope {
  file: string;
  account?: Account;
  recipient: { local: string; domain: string; address: string };
}

export class DeliveryExpander {
  private readonly policy: DeliveryPolicy;

  constructor(
    private readonly storage: Storage,
    private readonly router: Router,
    private readonly options: ExpansionOptions = {},
  ) {
    this.policy = new DeliveryPolicy(storage.mail);
  }

  async expand(request: ExpansionRequest): Promise<DeliveryAction[]> {
    let lookup;
    try {
      lookup = await this.router.lookup(request.recipient);
    } catch (err) {
      if (err instanceof InvalidNameError)
        return [reject(553, `5.1.3 <${request.recipient}>: ${err.message}`, true)];
      throw err;
    }
    const files = new MessageFiles(request.openBody, this.options.tmpDir);
    try {
      switch (lookup.kind) {
        case 'unknown-local':
          return [reject(550, `5.1.1 <${request.recipient}>: no such user here`, true)];
        case 'redirect':
          return [forward(lookup.to, reversePath(lookup.holder, request.mailFrom, false))];
        case 'remote':
          return await this.expandRemote(request, lookup.domain, files);
        case 'account':
          return await this.expandAccount(request, lookup.account, files);
      }
    } finally {
      await files.cleanup();
    }
  }

  private async expandRemote(
    request: ExpansionRequest,
    domain: string,
    files: MessageFiles,
  ): Promise<DeliveryAction[]> {
    const custom = await findCustomDomainFile(this.storage.files, domain);
    if (custom === null) return [{ kind: 'remote', address: request.recipient }];
    const at = request.recipient.lastIndexOf('@');
    return this.runCommands(request, files, custom.rows, {
      file: custom.path,
      recipient: { local: request.recipient.slice(0, at), domain, address: request.recipient },
    });
  }

  private async expandAccount(
    request: ExpansionRequest,
    account: Account,
    files: MessageFiles,
  ): Promise<DeliveryAction[]> {
    const disabled = this.policy.checkReceive(account);
    if (disabled) return [disabled];

    const defaultRedirection = accountAttribute(account, 'DefaultRedirection');
    if (defaultRedirection !== undefined) {
      return [forward(defaultRedirection, reversePath(account, request.mailFrom, false))];
    }
    if (isMailingList(account)) return this.expandList(request, account);

    const mailproc = await this.mailprocRows(account);
    if (mailproc.rows.length > 0) {
      return this.runCommands(request, files, mailproc.rows, {
        file: mailproc.path,
        account,
        recipient: { local: account.name, domain: account.domain, address: request.recipient },
      });
    }
    return [await this.store(request, account)];
  }

  private async expandList(request: ExpansionRequest, list: Account): Promise<DeliveryAction[]> {
    const members = await this.storage.accounts.listMembers(list);
    if (!mayPostToList(list, members, request.mailFrom, request.authUser)) {
      return [reject(550, `5.7.1 <${request.recipient}>: only members may post to this list`, true)];
    }
    const mailFrom = reversePath(list, request.mailFrom, true);
    const actions: DeliveryAction[] = members
      .filter((member) => memberPerms(member).includes('R'))
      .map((member) => forward(member.address, mailFrom));
    return actions.length > 0 ? actions : [{ kind: 'discard', reason: 'the list has no receiving members' }];
  }

  /** The domain's mailproc.tab then the user's (the order usergetmproc shows them in). */
  private async mailprocRows(account: Account): Promise<{ path: string; rows: string[][] }> {
    const rows: string[][] = [];
    const paths: string[] = [];
    for (const scope of ['domain', 'user'] as const) {
      const filePath = mailprocPath(account, scope);
      const content = await this.storage.files.readFile(filePath);
      if (content === null) continue;
      paths.push(filePath);
      rows.push(...parseTabFile(content.toString('latin1')));
    }
    return { path: paths.join(' + '), rows };
  }

  private async store(request: ExpansionRequest, account: Account): Promise<DeliveryAction> {
    const refusal = await this.policy.checkStore(account, 'delivery', request.size);
    if (refusal) return refusal;
    return {
      kind: 'store',
      account: { domain: account.domain, name: account.name },
      folder: 'INBOX',
      returnPath: await this.mapExternalAlias(request.mailFrom),
    };
  }

  /**
   * XMail's USmlMapAddress: a sender that is the external alias of a local account appears as that
   * local account in the mailbox (extaliases.tab maps outside addresses of local users back home).
   */
  private async mapExternalAlias(mailFrom: string): Promise<string> {
    const at = mailFrom.lastIndexOf('@');
    if (at <= 0) return mailFrom;
    const name = mailFrom.slice(0, at).toLowerCase();
    const domain = mailFrom.slice(at + 1).toLowerCase();
    const alias = (await this.storage.routes.listExternalAliases()).find(
      (entry) => entry.remote.name.toLowerCase() === name && entry.remote.domain.toLowerCase() === domain,
    );
    return alias ? `${alias.local.name}@${alias.local.domain}` : mailFrom;
  }

  /** Runs a command file (XMail USmlProcessCustomMailingFile / custom domain processing). */
  private async runCommands(
    request: ExpansionRequest,
    files: MessageFiles,
    rows: readonly string[][],
    scope: CommandScope,
  ): Promise<DeliveryAction[]> {
    const actions: DeliveryAction[] = [];
    const macros = macroSource(request, scope, files);
    const report = (row: string[], problem: string): void =>
      this.options.onCommandProblem?.({ file: scope.file, line: row, problem });
    for (const row of rows) {
      const { tokens, neutralised } = await substituteMacros(row, macros);
      for (const name of neutralised) report(row, neutralisedProblem(name));
      const command = parseMailprocCommand(tokens);
      const outcome = await this.runCommand(command, request, macros, files, scope);
      if (outcome.problem) report(row, outcome.problem);
      actions.push(...outcome.actions);
      if (outcome.stop) break;
    }
    return actions.length > 0 ? actions : [{ kind: 'discard', reason: `handled by ${scope.file}` }];
  }

  private async runCommand(
    command: MailprocCommand,
    request: ExpansionRequest,
    macros: MacroSource,
    files: MessageFiles,
    scope: CommandScope,
  ): Promise<{ actions: DeliveryAction[]; stop?: boolean; problem?: string }> {
    switch (command.kind) {
      case 'invalid':
        return { actions: [], problem: command.reason };
      case 'mailbox':
        if (!scope.account) return { actions: [], problem: '"mailbox" is only valid in a mailproc.tab' };
        return { actions: [await this.store(request, scope.account)] };
      case 'smtp':
        if (scope.account) return { actions: [], problem: '"smtp" is only valid for custom domains' };
        return { actions: [{ kind: 'remote', address: request.recipient }] };
      case 'smtprelay':
        return { actions: [{ kind: 'remote', address: request.recipient, relay: command.relays }] };
      case 'redirect':
      case 'lredirect': {
        // lredirect sends as the local address (the account, or the custom-domain recipient).
        const mailFrom =
          command.kind === 'lredirect'
            ? scope.account
              ? `${scope.account.name}@${scope.account.domain}`
              : scope.recipient.address
            : scope.account
              ? reversePath(scope.account, request.mailFrom, false)
              : request.mailFrom;
        const actions = command.targets.map((target) =>
          forward(target.includes('@') ? target : `${scope.recipient.local}@${target}`, mailFrom),
        );
        return { actions };
      }
      case 'external': {
        const result = await runCommandProgram(command, macros);
        if (result.status === 'exited') return { actions: [], stop: result.code === EXTERNAL_EXIT_BREAK };
        return { actions: [], problem: programProblem(command.argv[0], result) };
      }
      case 'filter': {
        const result = await runCommandProgram(command, macros);
        if (result.status !== 'exited')
          return { actions: [], problem: programProblem(command.argv[0], result) };
        const verdict = filterVerdict(result.code);
        if (verdict.outcome === 'drop') {
          return {
            actions: [{ kind: 'discard', reason: `dropped by filter ${command.argv[0]}` }],
            stop: true,
          };
        }
        if (verdict.outcome === 'reject') {
          const why = (await files.rejectionText()) ?? 'message rejected by a filter';
          return { actions: [reject(554, `5.7.1 <${request.recipient}>: ${why}`, true)], stop: true };
        }
        return { actions: [], stop: verdict.stop };
      }
    }
  }
}

/**
 * Runs the program of an `external` or `filter` line in the message's private directory (its HOME
 * and TMPDIR), with the macros in its environment; that writes the message file (MAILWRIGHT_FILE)
 * even when the line does not name @@FILE.
 */
async function runCommandProgram(
  command: { argv: string[]; timeoutMs: number },
  macros: MacroSource,
): Promise<ProgramResult> {
  const file = await macros.messageFile();
  const env = programEnvironment(path.dirname(file), macroEnvironment(macros.values, file));
  return runProgram(command.argv, command.timeoutMs, env);
}

function neutralisedProblem(name: string): string {
  return (
    `@@${name} had characters a shell or an option parser would read; the program's arguments ` +
    `have them as "_" (the exact value is in $MAILWRIGHT_${name})`
  );
}

function programProblem(
  program: string | undefined,
  result: { status: 'timeout' } | { status: 'failed'; error: string },
): string {
  return result.status === 'timeout'
    ? `${program ?? ''} did not finish in time and was killed`
    : `${program ?? ''} could not run: ${result.error}`;
}

function macroSource(request: ExpansionRequest, scope: CommandScope, files: MessageFiles): MacroSource {
  return {
    values: {
      FROM: request.mailFrom,
      RCPT: request.recipient,
      RRCPT: scope.account ? `${scope.account.name}@${scope.account.domain}` : '',
      MSGID: request.queueId ?? '',
      // The Message-ID without its angle brackets: shaped like XMail's (a bare id), and `<` `>`
      // would not survive in a program's arguments (mailproc-macros.ts).
      MSGREF: request.messageId?.replace(/^\s*<(.*)>\s*$/s, '$1') ?? '',
      USERAUTH: request.authUser ?? '-',
    },
    messageFile: () => files.messageFile(),
    tempCopy: () => files.tempCopy(),
  };
}

/**
 * The reverse path of a message this account sends on: null stays null (§2.8, no report loops);
 * else ReportTarget, else (lists) XMail's ListSender, else the original one.
 */
function reversePath(account: Account, original: string, list: boolean): string {
  if (original === '') return '';
  return (
    accountAttribute(account, 'ReportTarget') ??
    ((list ? userVar(account, 'ListSender') : undefined) || original)
  );
}

function forward(to: string, mailFrom: string): DeliveryAction {
  return { kind: 'forward', to, mailFrom };
}

function reject(code: number, text: string, permanent: boolean): DeliveryRejection {
  return { kind: 'reject', code, text, permanent };
}
