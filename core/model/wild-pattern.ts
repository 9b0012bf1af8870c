/**
 * The wildcard pattern syntax of XMail's `StrWildMatch` (StrUtils.cpp; spec §3.4), compiled once and
 * then matched, or translated to a regular expression for stores that filter with one. Kept in the
 * model so storage adapters apply exactly the same syntax (AccountQuery.namePattern);
 * core/routing/wildmatch.ts has XMail's matching functions on top of it.
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

export type WildStep =
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

/** Returns null for a malformed pattern, which can never match. */
export function compileWildPattern(pattern: string): WildStep[] | null {
  const steps: WildStep[] = [];
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
function compileSet(pattern: string, open: number): { step: WildStep; next: number } | null {
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

/** Whether the whole subject matches the compiled pattern (case-sensitive). */
export function matchesWildPattern(subject: string, steps: readonly WildStep[]): boolean {
  let s = 0;
  let p = 0;
  let starWildStep = -1;
  let starSubject = 0;
  while (s < subject.length) {
    const step = steps[p];
    if (step !== undefined && step.kind === 'star') {
      starWildStep = p++;
      starSubject = s;
    } else if (step !== undefined && stepMatches(step, subject, s)) {
      p++;
      s++;
    } else if (starWildStep >= 0) {
      // Let the last star swallow one more char and retry what follows it.
      p = starWildStep + 1;
      s = ++starSubject;
    } else {
      return false;
    }
  }
  while (steps[p]?.kind === 'star') p++;
  return p === steps.length;
}

function stepMatches(step: Exclude<WildStep, { kind: 'star' }>, subject: string, at: number): boolean {
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

/**
 * The compiled pattern as the source of an equivalent regular expression (not anchored: the caller
 * puts it between `^` and `$`, maybe after a prefix of its own) that JavaScript and MongoDB (PCRE)
 * read alike: no flags, no `\u`/`\x{}` escapes (chars are
 * written as themselves, escaped where the syntax needs it). Sets keep their ranges; a range that
 * can match nothing (XMail's `[-a]`, or from above to) is left out.
 */
export function wildPatternRegExpSource(steps: readonly WildStep[]): string {
  const body = steps.map((step) => {
    switch (step.kind) {
      case 'star':
        return '[\\s\\S]*';
      case 'any':
        return '[\\s\\S]';
      case 'char':
        return step.char.replace(/[\\^$.|?*+()[\]{}/-]/g, '\\$&');
      case 'set': {
        const members = step.ranges
          .filter((r) => r.from !== NO_CHAR && r.from <= r.to)
          .map((r) => (r.from === r.to ? setChar(r.from) : `${setChar(r.from)}-${setChar(r.to)}`))
          .join('');
        if (members === '') return step.inverted ? '[\\s\\S]' : '(?!)';
        return `[${step.inverted ? '^' : ''}${members}]`;
      }
    }
  });
  return body.join('');
}

function setChar(code: number): string {
  return String.fromCharCode(code).replace(/[\\\]^[-]/g, '\\$&');
}
