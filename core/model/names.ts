import type { AccountKey } from './directory.js';

/**
 * Validation of the names clients hand us (domains, local parts, folder names, mail-root paths).
 * The core rejects hostile names here, before any adapter sees them, so an adapter may use a
 * validated name as a path component or a key fragment without further escaping.
 */
export class InvalidNameError extends Error {
  constructor(
    readonly kind: string,
    readonly value: string,
    reason: string,
  ) {
    super(`invalid ${kind} ${JSON.stringify(value.slice(0, 80))}: ${reason}`);
    this.name = 'InvalidNameError';
  }
}

const MAX_DOMAIN = 253;
const MAX_LOCAL = 64;
const MAX_FOLDER = 512;
const MAX_PATH = 1024;

function rejectCommon(kind: string, value: string, max: number): void {
  if (value.length === 0) throw new InvalidNameError(kind, value, 'it is empty');
  if (value.length > max) throw new InvalidNameError(kind, value, `it is longer than ${max} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(value))
    throw new InvalidNameError(kind, value, 'it contains a control character');
}

/** A domain name, or a wildcard domain such as `*.example.org`. Returned lower-cased. */
export function checkDomain(value: string, opts: { wildcard?: boolean } = {}): string {
  rejectCommon('domain', value, MAX_DOMAIN);
  const domain = value.toLowerCase();
  const body = opts.wildcard && domain.startsWith('*.') ? domain.slice(2) : domain;
  if (!/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(body)) {
    throw new InvalidNameError('domain', value, 'use letters, digits, "-" and "_" separated by single dots');
  }
  return domain;
}

/** A mailbox local part (user, list or alias name). `/`, `\`, `..` and leading dots are refused. */
export function checkLocalPart(value: string, opts: { wildcard?: boolean } = {}): string {
  rejectCommon('local part', value, MAX_LOCAL);
  // Wildcard patterns (aliases, AltaVista usernames) may also use `*`, `?` and `[...]` sets.
  const forbidden = opts.wildcard ? /[/\\\s"<>@,;:()]/ : /[/\\\s"<>@,;:()[\]*?]/;
  if (forbidden.test(value)) {
    throw new InvalidNameError('local part', value, 'it contains a character not allowed here');
  }
  if (value.includes('..') || value.startsWith('.')) {
    throw new InvalidNameError('local part', value, 'it contains ".." or starts with "."');
  }
  return value;
}

/** An IMAP-style folder path with `/` as the hierarchy separator, e.g. `INBOX` or `Archive/2026`. */
export function checkFolderPath(value: string): string {
  rejectCommon('folder', value, MAX_FOLDER);
  const parts = value.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new InvalidNameError('folder', value, 'it has an empty, "." or ".." component');
  }
  return /^inbox$/i.test(value) ? 'INBOX' : value;
}

/** NAME_MAX on Linux and most file systems. */
const MAX_PATH_SEGMENT = 255;

/**
 * A path inside the (possibly virtual) mail root, as an administrator names it to XMail's
 * filelist/cfgfileget/cfgfileset, normalised to the one spelling every later check compares against
 * (the record fence of mail-root.ts among them): relative, `/`-separated, `''` for the root itself.
 *
 * XMail's rules are kept: `\` separates like `/`, one leading separator is dropped, `..` anywhere is
 * refused. Whatever else could let two spellings name one file, or let a name mean another on some
 * file system or database, is refused rather than repaired:
 * - a second leading separator (`//x`, `\\x`: absolute or UNC) and empty segments (`a//b`, `a/`);
 * - `.` segments, and segments ending in `.` (Windows drops it: `mailusers.tab.` is `mailusers.tab`);
 * - anything but printable ASCII: spaces (Windows drops trailing ones), control characters, NUL, and
 *   every non-ASCII character, so that look-alikes (fullwidth solidus U+FF0F, division slash U+2215,
 *   fullwidth full stop U+FF0E) never reach anything that might fold them into `/` or `.`;
 * - the characters Windows reserves (`" * : < > ? |`);
 * - more than 1024 characters, or a segment longer than 255.
 * Case is kept: the fence compares names case-insensitively instead.
 */
export function checkMailRootPath(value: string): string {
  if (value.length > MAX_PATH)
    throw new InvalidNameError('path', value, `it is longer than ${MAX_PATH} characters`);
  if (value.includes('\0')) throw new InvalidNameError('path', value, 'it contains a NUL byte');
  if (/[^\x21-\x7e]/.test(value))
    throw new InvalidNameError('path', value, 'it contains a space, a control or a non-ASCII character');
  if (/["*:<>?|]/.test(value))
    throw new InvalidNameError('path', value, 'it contains a character reserved on some file systems');
  if (value.includes('..')) throw new InvalidNameError('path', value, 'it contains ".."');
  const relative = value.replace(/\\/g, '/').replace(/^\//, '');
  if (relative === '') return '';
  if (relative.startsWith('/'))
    throw new InvalidNameError('path', value, 'it is absolute (more than one leading separator)');
  for (const segment of relative.split('/')) {
    if (segment === '') throw new InvalidNameError('path', value, 'it has an empty component');
    if (segment === '.') throw new InvalidNameError('path', value, 'it has a "." component');
    if (segment.endsWith('.')) throw new InvalidNameError('path', value, 'a component ends with "."');
    if (segment.length > MAX_PATH_SEGMENT)
      throw new InvalidNameError('path', value, `a component is longer than ${MAX_PATH_SEGMENT} characters`);
  }
  return relative;
}

/** `user@domain` split and checked; the domain is lower-cased, the local part kept as given. */
export function splitAddress(address: string): { local: string; domain: string } {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) {
    throw new InvalidNameError('address', address, 'expected local-part@domain');
  }
  return { local: checkLocalPart(address.slice(0, at)), domain: checkDomain(address.slice(at + 1)) };
}

/** The account key `user@domain` names (domain lower-cased). @throws InvalidNameError as splitAddress */
export function accountKeyOf(address: string): AccountKey {
  const { local, domain } = splitAddress(address);
  return { domain, name: local };
}
