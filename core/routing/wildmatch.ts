/**
 * XMail's wildcard matching, `StrWildMatch` / `StrIWildMatch` (StrUtils.cpp; spec §3.4). The
 * pattern syntax and its matching live in core/model/wild-pattern.ts.
 */
import { compileWildPattern, matchesWildPattern } from '../model/wild-pattern.js';

/** `StrWildMatch(subject, pattern)`: case-sensitive (filelist, §3.4). */
export function wildMatch(subject: string, pattern: string): boolean {
  const steps = compileWildPattern(pattern);
  return steps !== null && matchesWildPattern(subject, steps);
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
