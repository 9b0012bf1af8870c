/** XMail-style case-insensitive wildcard: `*` any run, `?` one character, everything else literal. */
export function wildcardRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\*?]/g, (c) => (c === '*' ? '.*' : c === '?' ? '.' : `\\${c}`));
  return new RegExp(`^${body}$`, 'is');
}
