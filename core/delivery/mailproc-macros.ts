/**
 * The `@@NAME` macros of mailproc.tab, custom domain and cmd alias lines (spec §3.7), and the two
 * ways a program gets their values.
 *
 * Most values come off the network (@@FROM and @@RCPT from the SMTP envelope, @@MSGREF from the
 * Message-ID header, @@USERAUTH from AUTH), and XMail pastes them raw into the line. So:
 * - In the arguments of a line that runs a program (`external`, `filter`), a value keeps only
 *   letters, digits and `. _ + = @ % -`; any other character becomes `_`, and so does a leading
 *   `-` (it would read as an option). That defuses `"/bin/sh" "-c" "echo @@FROM >> log"` against
 *   ``MAIL FROM:<x`touch${IFS}/tmp/x`@evil.test>`` and `-o<file>`-style option injection, while
 *   ordinary addresses pass unchanged. Neutralising rather than refusing to run the program keeps
 *   the mailproc.tab doing its job: a refused `filter` would be a spam filter any sender could skip
 *   with one `$`, and a refused `external` a delivery any sender could drop.
 * - Every value also reaches the program unchanged in its environment, as MAILWRIGHT_<NAME>: the
 *   safe way for a script to see the exact value is `"$MAILWRIGHT_FROM"` (quoted).
 * Other lines (redirect, smtprelay ...) get the values verbatim: no program reads them.
 */

/** The macros with a value; FILE and TMPFILE are files, made on demand. */
export const VALUE_MACROS = ['FROM', 'RCPT', 'RRCPT', 'MSGID', 'MSGREF', 'USERAUTH'] as const;
export type ValueMacro = (typeof VALUE_MACROS)[number];

export interface MacroSource {
  /** @@USERAUTH is `-` when there was no SMTP AUTH, as in XMail. */
  values: Readonly<Record<ValueMacro, string>>;
  /** @@FILE: the message as a file, written once. */
  messageFile(): Promise<string>;
  /** @@TMPFILE: a private copy of it, one per use. */
  tempCopy(): Promise<string>;
}

export interface SubstitutedLine {
  tokens: string[];
  /** Macros whose value had to change to be safe in a program's arguments (worth a log line). */
  neutralised: ValueMacro[];
}

/**
 * Replaces every `@@NAME` (upper-case letters) inside every token, as XMail's MscReplaceTokens
 * does; unknown macros become the empty string. Values in a line that runs a program are made safe
 * for its arguments (see the top of this file); the file paths are the server's own and stay as
 * they are.
 */
export async function substituteMacros(
  tokens: readonly string[],
  source: MacroSource,
): Promise<SubstitutedLine> {
  const forProgram = runsProgram(tokens);
  const neutralised = new Set<ValueMacro>();
  const valueOf = async (name: string): Promise<string> => {
    if (name === 'FILE') return source.messageFile();
    if (name === 'TMPFILE') return source.tempCopy();
    if (!isValueMacro(name)) return '';
    const value = source.values[name];
    if (!forProgram) return value;
    const safe = safeArgumentValue(value);
    if (safe !== value) neutralised.add(name);
    return safe;
  };
  const result: string[] = [];
  for (const token of tokens) {
    let out = '';
    let last = 0;
    for (const match of token.matchAll(/@@([A-Z]+)/g)) {
      out += token.slice(last, match.index) + (await valueOf(match[1]));
      last = match.index + match[0].length;
    }
    result.push(out + token.slice(last));
  }
  return { tokens: result, neutralised: [...neutralised] };
}

/** `external` and `filter` lines run a program (names compare case-insensitively, as XMail's). */
function runsProgram(tokens: readonly string[]): boolean {
  const name = tokens[0]?.toLowerCase();
  return name === 'external' || name === 'filter';
}

function isValueMacro(name: string): name is ValueMacro {
  return (VALUE_MACROS as readonly string[]).includes(name);
}

/**
 * Letters and digits of any script (internationalised addresses), `. _ + = @ %` and `-`: nothing a
 * POSIX shell expands, splits, globs or quotes, and nothing that ends an argument.
 */
const UNSAFE_IN_ARGUMENT = /[^\p{L}\p{M}\p{N}._+=@%-]/gu;

/**
 * A value as it may appear in a program's arguments. A lone `-` stays: it is XMail's @@USERAUTH
 * for "no AUTH", and an operand, not an option, to every option parser.
 */
export function safeArgumentValue(value: string): string {
  return value.replace(UNSAFE_IN_ARGUMENT, '_').replace(/^-(?=.)/, '_');
}

/**
 * The MAILWRIGHT_<NAME> variables for a program: every macro, exact (an environment cannot hold a
 * NUL, so one would be dropped), and MAILWRIGHT_FILE, the message file.
 */
export function macroEnvironment(values: MacroSource['values'], messageFile: string): Record<string, string> {
  const env: Record<string, string> = { MAILWRIGHT_FILE: messageFile };
  for (const name of VALUE_MACROS) env[`MAILWRIGHT_${name}`] = values[name].replaceAll('\0', '');
  return env;
}
