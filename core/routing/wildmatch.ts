/**
 * XMail's wildcard matching, `StrWildMatch` / `StrIWildMatch` (StrUtils.cpp; spec §3.4).
 *
 * Pattern syntax: `*` any run (also empty), `?` exactly one char, `[...]` a set of chars and ranges
 * (`[a-z]`), `[^...]` the inverted set, `\x` the literal x (also inside sets).
 *
 * XMail matches recursively, which is exponential on patterns like `a*a*a*a*b`. Here the pattern is
 * first compiled to single-char steps and stars (parsing never depends on the subject), then
 * matched with the linear-backtracking glob algorithm: only the last star is ever retried, which is
 * exact because every non-star step consumes exactly one char. Worst case O(pattern × subject).
 *
 * Quirks kept from XMail's parser (a malformed pattern never matches anything):
 * - a trailing lone `\`, an unterminated set, `[]`/`[^]` (empty set: `]` is never a first member),
 *   and a `-` followed by the end of the pattern are malformed;
 * - `-` ranges from the previous set char (or previous range end): `[a-c-e]` = a..e;
 *   a `-` with no previous char (`[-a]`) is a range that matches nothing;
 * - `-]` makes `]` the range end, so `[a-]` is still open.
 * Deliberate difference: a set never matches past the end of the subject (XMail reads beyond the
 * string's terminator for `[^...]` there, undefined behaviour).
 */

type Step =
  | { readonly kind: 'star' }
  | { readonly kind: 'any' }
  | { readonly kind: 'char'; readonly char: string }
  | { readonly kind: 'set'; readonly ranges: readonly CharRange[]; readonly inverted: boolean };

/** Inclusive code-unit range; `from === NO_CHAR` never matches (XMail's `iPrev = 256`). */
interface CharRange {
  readonly from: number;
  readonly to: number;
}

const NO_CHAR = -1;
const INVERT = '^';

/** `StrWildMatch(subject, pattern)`: case-sensitive (filelist, §3.4). */
export function wildMatch(subject: string, pattern: string): boolean {
  const steps = compilePattern(pattern);
  return steps !== null && matchSteps(subject, steps);
}

/**
 * `StrIWildMatch`: both sides ASCII-lower-cased first (only A-Z, like `StrLower`), so `[A-Z]`
 * becomes `[a-z]`. Used by the `*list` commands and alias lookups (§3.4).
 */
export function wildMatchIgnoreCase(subject: string, pattern: string): boolean {
  return wildMatch(asciiLowerCase(subject), asciiLowerCase(pattern));
}

/** `StrStringsRIWMatch` (§3.4): true when any of the patterns matches, case-insensitively. */
export function wildMatchAnyIgnoreCase(subject: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => wildMatchIgnoreCase(subject, pattern));
}

/** Lower-cases A-Z only, as XMail's `StrLower`/`stricmp` do; other chars are left alone. */
export function asciiLowerCase(text: string): string {
  return text.replace(/[A-Z]+/g, (run) => run.toLowerCase());
}

/** Returns null for a malformed pattern, which can never match. */
function compilePattern(pattern: string): Step[] | null {
  const steps: Step[] = [];
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i];
    if (ch === '*') {
      if (steps.at(-1)?.kind !== 'star') steps.push({ kind: 'star' });
      i++;
    } else if (ch === '?') {
      steps.push({ kind: 'any' });
      i++;
    } else if (ch === '\\') {
      if (i + 1 >= pattern.length) return null;
      steps.push({ kind: 'char', char: pattern[i + 1] });
      i += 2;
    } else if (ch === '[') {
      const set = compileSet(pattern, i);
      if (set === null) return null;
      steps.push(set.step);
      i = set.next;
    } else {
      steps.push({ kind: 'char', char: ch });
      i++;
    }
  }
  return steps;
}

/** Parses the set opening at `open` exactly as the `case '['` of StrWildMatch walks it. */
function compileSet(pattern: string, open: number): { step: Step; next: number } | null {
  let i = open + 1;
  const inverted = pattern[i] === INVERT;
  if (inverted) i++;
  const ranges: CharRange[] = [];
  let previous = NO_CHAR;
  let escaped = false;
  for (; i < pattern.length && (escaped || pattern[i] !== ']'); i++) {
    if (!escaped && pattern[i] === '\\') {
      escaped = true;
      continue;
    }
    if (!escaped && pattern[i] === '-') {
      i++;
      if (i < pattern.length && pattern[i] === '\\') i++;
      if (i >= pattern.length) return null;
      const to = pattern.charCodeAt(i);
      ranges.push({ from: previous, to });
      previous = to;
    } else {
      const code = pattern.charCodeAt(i);
      ranges.push({ from: code, to: code });
      previous = code;
    }
    escaped = false;
  }
  if (previous === NO_CHAR || escaped || i >= pattern.length) return null;
  return { step: { kind: 'set', ranges, inverted }, next: i + 1 };
}

function matchSteps(subject: string, steps: readonly Step[]): boolean {
  let s = 0;
  let p = 0;
  let starStep = -1;
  let starSubject = 0;
  while (s < subject.length) {
    const step = steps[p];
    if (step !== undefined && step.kind === 'star') {
      starStep = p++;
      starSubject = s;
    } else if (step !== undefined && stepMatches(step, subject, s)) {
      p++;
      s++;
    } else if (starStep >= 0) {
      // Let the last star swallow one more char and retry what follows it.
      p = starStep + 1;
      s = ++starSubject;
    } else {
      return false;
    }
  }
  while (steps[p]?.kind === 'star') p++;
  return p === steps.length;
}

function stepMatches(step: Exclude<Step, { kind: 'star' }>, subject: string, at: number): boolean {
  switch (step.kind) {
    case 'any':
      return true;
    case 'char':
      return subject[at] === step.char;
    case 'set': {
      const code = subject.charCodeAt(at);
      const inSet = step.ranges.some((r) => r.from !== NO_CHAR && code >= r.from && code <= r.to);
      return inSet !== step.inverted;
    }
  }
}
