/**
 * The mail root as the admin file commands (XMail filelist/cfgfileget/cfgfileset) may see it: the
 * configuration files, and nothing that holds records. The same fence stands on every adapter, and
 * the file adapter also keeps it around its own tree (storage-adapters/file/file-tree.ts).
 *
 * Reserved, so neither readable, listable nor writable through the file commands:
 * - the directory's tables (password hashes, sealed admin secrets, routes): the admin commands
 *   change those, never an overwrite;
 * - `blobs/`, `logs/`, `locks/`, `tmp/`: message bodies, event logs, lock and temp files;
 * - inside an account's directory `domains/<domain>/<user>/`, everything but its `mailproc.tab`:
 *   deny by default, so a record file added there later is fenced without touching this list.
 *
 * Paths arrive in the one spelling checkMailRootPath gives them, and names are compared ignoring
 * case: on a case-insensitive file system `MailUsers.tab` is `mailusers.tab`.
 */
import type { AccountKey } from './directory.js';
import { checkDomain, checkMailRootPath, InvalidNameError } from './names.js';

const RESERVED_AT_ROOT = new Set([
  'domains.tab',
  'aliasdomain.tab',
  'aliases.tab',
  'extaliases.tab',
  'mailusers.tab',
  'pop3links.tab',
  'ctrlaccounts.tab',
  'blobs',
  'logs',
  'locks',
  'tmp',
]);

/** Whether the canonical mail-root path `rel`, or a directory above it, is reserved. */
export function isReservedMailRootPath(rel: string): boolean {
  const segments = rel.toLowerCase().split('/');
  if (RESERVED_AT_ROOT.has(segments[0])) return true;
  // domains/<domain>/<user>/<name>: only <name> = mailproc.tab, a file, is configuration.
  if (segments[0] !== 'domains' || segments.length < 4) return false;
  return segments.length > 4 || segments[3] !== 'mailproc.tab';
}

/**
 * A path an administrator gave a file command: normalised (checkMailRootPath), then refused when it
 * is reserved. @throws InvalidNameError
 */
export function checkAdminFilePath(value: string): string {
  const rel = checkMailRootPath(value);
  if (isReservedMailRootPath(rel)) {
    throw new InvalidNameError('path', value, 'it holds records, not configuration; use the admin commands');
  }
  return rel;
}

/** Which mailproc.tab: the domain-wide one or the user's own. */
export type MailprocScope = 'domain' | 'user';

/** `domains/<dom>/mailproc.tab` or `domains/<dom>/<user>/mailproc.tab` (user dirs are lower-case). */
export function mailprocPath(account: AccountKey, scope: MailprocScope): string {
  return scope === 'domain'
    ? `domains/${account.domain}/mailproc.tab`
    : `domains/${account.domain}/${account.name.toLowerCase()}/mailproc.tab`;
}

/**
 * `custdomains/<domain>.tab`; a leading dot (XMail's `.sub.example.org` lookups) is allowed.
 * @throws InvalidNameError
 */
export function customDomainPath(domain: string): string {
  const dotted = domain.startsWith('.');
  return `custdomains/${dotted ? '.' : ''}${checkDomain(dotted ? domain.slice(1) : domain)}.tab`;
}

/** A domain's userdef.tab (default variables of new users), then the mail root's. */
export function userDefaultsPaths(domain: string): [string, string] {
  return [`domains/${domain}/userdef.tab`, 'userdef.tab'];
}
