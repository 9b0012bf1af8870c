/**
 * XMail's mail processing commands (spec §3.7; XMail SMAILUtils.cpp/SMAILSvr.cpp): the lines of a
 * user's or domain's mailproc.tab, of a custom domain file `custdomains/<domain>.tab` and of a cmd
 * alias. Each line is one command, TAB-separated quoted fields, with `@@NAME` macros substituted
 * before the command is read (as XMail does; mailproc-macros.ts, which also says how values are
 * made safe for programs):
 *   "external" prio timeout path args...   run a program; exit code 16 stops the processing
 *   "filter"   prio timeout path args...   run a program whose exit code can drop/reject the message
 *   "mailbox"                              store in the user's mailbox (mailproc.tab only)
 *   "redirect" / "lredirect" addr-or-domain...
 *   "smtprelay" "host[:port];host..."      (leading `#`: random order)
 *   "smtp"                                 normal SMTP delivery (custom domains / cmd aliases only)
 * Programs run without a shell, with a timeout and their own environment (mailproc-program.ts), and
 * never see more than the temp copy of the message (@@FILE), which is removed once the expansion is
 * over.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export type MailprocCommand =
  | { kind: 'external' | 'filter'; priority: number; timeoutMs: number; argv: string[] }
  | { kind: 'mailbox' }
  | { kind: 'redirect' | 'lredirect'; targets: string[] }
  | { kind: 'smtprelay'; relays: string[] }
  | { kind: 'smtp' }
  | { kind: 'invalid'; reason: string };

/** Used when a command gives a timeout of 0 or less: we never wait for a program forever. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 60_000;

/**
 * Reads one command from its (macro-substituted) tokens. Names compare case-insensitively
 * (XMail's stricmp); a malformed line is `invalid` and is skipped by the caller, as XMail logs and
 * goes on.
 */
export function parseMailprocCommand(tokens: readonly string[]): MailprocCommand {
  const [name = '', ...args] = tokens;
  switch (name.toLowerCase()) {
    case 'external':
    case 'filter': {
      if (args.length < 3) return invalid(`"${name}" needs a priority, a timeout and a program`);
      const seconds = atoi(args[1]);
      return {
        kind: name.toLowerCase() as 'external' | 'filter',
        priority: atoi(args[0]),
        timeoutMs: seconds > 0 ? seconds * 1000 : DEFAULT_COMMAND_TIMEOUT_MS,
        argv: args.slice(2),
      };
    }
    case 'mailbox':
      return args.length === 0 ? { kind: 'mailbox' } : invalid('"mailbox" takes no argument');
    case 'redirect':
    case 'lredirect':
      if (args.length === 0) return invalid(`"${name}" needs at least one address or domain`);
      return { kind: name.toLowerCase() as 'redirect' | 'lredirect', targets: args };
    case 'smtprelay': {
      if (args.length === 0) return invalid('"smtprelay" needs a relay list');
      const random = args[0].startsWith('#');
      const relays = (random ? args[0].slice(1) : args[0]).split(';').filter((host) => host !== '');
      if (relays.length === 0) return invalid('"smtprelay" needs a relay list');
      return { kind: 'smtprelay', relays: random ? shuffled(relays) : relays };
    }
    case 'smtp':
      return { kind: 'smtp' };
    default:
      return invalid(`unknown command "${name}"`);
  }
}

function invalid(reason: string): MailprocCommand {
  return { kind: 'invalid', reason };
}

/** C's atoi: optional sign and leading digits; anything else is 0. */
function atoi(text: string): number {
  const match = /^\s*([+-]?\d+)/.exec(text);
  return match ? Number.parseInt(match[1], 10) : 0;
}

function shuffled<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

/**
 * The message as a file for external programs: written once from the stored body on first use,
 * plus any @@TMPFILE copies; `cleanup` removes them all (call it in a finally).
 */
export class MessageFiles {
  private dir: string | undefined;
  private written: Promise<string> | undefined;

  constructor(
    private readonly openBody: () => Promise<Readable>,
    private readonly parentDir: string = tmpdir(),
  ) {}

  messageFile(): Promise<string> {
    this.written ??= this.writeMessage();
    return this.written;
  }

  /** A private copy the program may change or keep (XMail's @@TMPFILE); removed at cleanup too. */
  async tempCopy(): Promise<string> {
    const source = await this.messageFile();
    const copy = path.join(path.dirname(source), `tmp-${randomUUID()}.eml`);
    await copyFile(source, copy);
    return copy;
  }

  /**
   * The first line of `<message file>.rej`, which a filter may write to say why it refused the
   * message (XMail's FilGetFilterRejMessage); undefined when there is none.
   */
  async rejectionText(): Promise<string | undefined> {
    if (this.written === undefined) return undefined;
    const text = await readFile(`${await this.written}.rej`, 'utf8').catch(() => undefined);
    const firstLine = text?.split(/\r?\n/)[0].trim();
    return firstLine ? firstLine : undefined;
  }

  async cleanup(): Promise<void> {
    const dir = this.dir;
    this.dir = undefined;
    this.written = undefined;
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  }

  private async writeMessage(): Promise<string> {
    // A private directory (mode 0700 from mkdtemp): other local users cannot read the message.
    this.dir = await mkdtemp(path.join(this.parentDir, 'mailwright-mproc-'));
    const file = path.join(this.dir, 'message.eml');
    await pipeline(await this.openBody(), createWriteStream(file, { mode: 0o600 }));
    return file;
  }
}

/** XMail's `external` exit code that stops the processing of the remaining lines. */
export const EXTERNAL_EXIT_BREAK = 16;

/**
 * What a `filter` exit code means (XMail Filter.h): the low bits are the verdict, bit 16 asks to
 * stop processing the remaining lines.
 *   4  drop the message, no notification    (FILTER_OUT_NNF_EXITCODE)
 *   5  drop the message, no notification    (FILTER_OUT_NN_EXITCODE)
 *   6  reject it, notifying the sender      (FILTER_OUT_EXITCODE)
 *   7  the filter changed the message file  (FILTER_MODIFY_EXITCODE)
 *   anything else: go on.
 * A drop or reject always ends the processing.
 */
export interface FilterVerdict {
  outcome: 'continue' | 'drop' | 'reject' | 'modified';
  stop: boolean;
}

const FILTER_FLAGS_BREAK = 16;

export function filterVerdict(exitCode: number): FilterVerdict {
  const stop = (exitCode & FILTER_FLAGS_BREAK) !== 0;
  switch (exitCode & ~FILTER_FLAGS_BREAK) {
    case 4:
    case 5:
      return { outcome: 'drop', stop: true };
    case 6:
      return { outcome: 'reject', stop: true };
    case 7:
      return { outcome: 'modified', stop };
    default:
      return { outcome: 'continue', stop };
  }
}
