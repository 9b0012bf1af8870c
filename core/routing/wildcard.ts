import { wildMatchIgnoreCase } from './wildmatch.js';

/**
 * Routing-table helpers around the one wildcard matcher (wildmatch.ts, XMail's `*`, `?`, `[...]`):
 * alias names, AltaVista Usernames and alias domains all match ignoring case, as XMail does.
 */

export function isWildcard(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

export function matchesWildcard(pattern: string, subject: string): boolean {
  return wildMatchIgnoreCase(subject, pattern);
}

/**
 * The text the first `*` of a matching pattern stands for, as short as possible: what an AltaVista
 * username redirection puts in place of its first `*` (`*-list` → `*@lists.example.org` sends
 * `golf-list` to `golf@lists.example.org`). '' when the pattern has no `*` or does not match.
 * Quadratic in the subject, so meant for local parts (at most 64 characters).
 */
export function firstStarCapture(pattern: string, subject: string): string {
  const star = pattern.indexOf('*');
  if (star < 0) return '';
  const before = pattern.slice(0, star);
  const after = pattern.slice(star + 1);
  for (let start = 0; start <= subject.length; start++) {
    if (!wildMatchIgnoreCase(subject.slice(0, start), before)) continue;
    for (let end = start; end <= subject.length; end++) {
      if (wildMatchIgnoreCase(subject.slice(end), after)) return subject.slice(start, end);
    }
  }
  return '';
}

/**
 * How specific a pattern is: its count of literal characters. Among several matching patterns the
 * most specific wins ("longest match"), so `sales-*` beats `*` for `sales-eu`.
 */
export function wildcardSpecificity(pattern: string): number {
  return pattern.replace(/\[[^\]]*\]/g, '?').replace(/[*?\\]/g, '').length;
}
