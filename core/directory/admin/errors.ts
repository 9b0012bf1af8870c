/**
 * The failures of the admin services (core/directory/admin/) and the validation they share. Each
 * admin protocol maps a failure to its own codes (XMail CTRL: plugins/xmail-ctrl/commands/context.ts).
 * Names are validated (core/model/names.ts) before any adapter sees them.
 */
import type { AccountKey } from '../../model/directory.js';
import { accountKeyOf, checkDomain, checkLocalPart, InvalidNameError } from '../../model/names.js';
import { AlreadyExistsError, NotFoundError } from '../../ports/errors.js';

export type DirectoryAdminFailure =
  | 'invalid-domain'
  | 'invalid-name'
  | 'invalid-address'
  | 'invalid-path'
  | 'domain-not-handled'
  | 'domain-exists'
  | 'user-not-found'
  | 'user-exists'
  | 'wrong-password'
  | 'alias-exists'
  | 'alias-not-found'
  | 'not-a-list'
  | 'member-exists'
  | 'member-not-found'
  | 'external-alias-exists'
  | 'external-alias-not-found'
  | 'link-exists'
  | 'link-not-found'
  | 'alias-domain-exists'
  | 'alias-domain-not-found'
  | 'directory-not-found';

export class DirectoryAdminError extends Error {
  constructor(
    readonly failure: DirectoryAdminFailure,
    detail: string,
    /** For user-not-found: the account as the client named it (its domain maybe an alias domain). */
    readonly named?: AccountKey,
  ) {
    super(detail);
    this.name = 'DirectoryAdminError';
  }
}

export function validDomain(value: string, wildcard = false): string {
  try {
    return checkDomain(value, { wildcard });
  } catch (err) {
    throw new DirectoryAdminError('invalid-domain', (err as Error).message);
  }
}

export function validLocalPart(value: string, wildcard = false): string {
  try {
    return checkLocalPart(value, { wildcard });
  } catch (err) {
    throw new DirectoryAdminError('invalid-name', (err as Error).message);
  }
}

export function validAddressKey(address: string): AccountKey {
  try {
    return accountKeyOf(address);
  } catch (err) {
    throw new DirectoryAdminError('invalid-address', (err as Error).message);
  }
}

/** Maps the ports' AlreadyExists/NotFound errors to this service's failures; others pass through. */
export function translate(
  err: unknown,
  onExists: DirectoryAdminFailure,
  onNotFound: DirectoryAdminFailure = 'user-not-found',
): unknown {
  if (err instanceof AlreadyExistsError) return new DirectoryAdminError(onExists, err.message);
  if (err instanceof NotFoundError) return new DirectoryAdminError(onNotFound, err.message);
  return err;
}

export function isValid(check: () => unknown): boolean {
  try {
    check();
    return true;
  } catch {
    return false;
  }
}

/** A path the file tree refused (one that resolves outside the mail root through a symlink). */
export function asInvalidPath(err: unknown): never {
  if (err instanceof InvalidNameError) throw new DirectoryAdminError('invalid-path', err.message);
  throw err;
}

export function ignoreNotFound(err: unknown): void {
  if (!(err instanceof NotFoundError)) throw err;
}

export function keyOf(account: AccountKey): AccountKey {
  return { domain: account.domain, name: account.name };
}

export function sameText(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

export function sameKey(a: AccountKey, b: AccountKey): boolean {
  return sameText(a.domain, b.domain) && sameText(a.name, b.name);
}
