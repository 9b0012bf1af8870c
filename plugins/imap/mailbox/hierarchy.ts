/**
 * The folder hierarchy as IMAP sees it: `/` separates levels, and a level may exist only as the
 * parent of others (`a` of `a/b` when no folder `a` was created), which LIST shows as `\Noselect`
 * (`\NonExistent` in LIST-EXTENDED answers). The store knows folders only; these helpers work out
 * the levels between them.
 */
import { AlreadyExistsError, type AccountKey, type MailStore } from '../../../core/index.js';

export const DELIMITER = '/';

/** `a/b/c` → `['a', 'a/b']`. */
export function ancestorsOf(path: string): string[] {
  const parts = path.split(DELIMITER);
  return parts.slice(1).map((_, index) => parts.slice(0, index + 1).join(DELIMITER));
}

/** `path` is `root` or below it. */
export function isWithin(path: string, root: string): boolean {
  return path === root || path.startsWith(root + DELIMITER);
}

/** `path` is strictly below `root`. */
export function isBelow(path: string, root: string): boolean {
  return path.startsWith(root + DELIMITER);
}

/**
 * Creates the missing levels above `path` as folders (RFC 3501 §6.3.3: the server SHOULD create
 * the superior names a CREATE needs). A level another session creates meanwhile is fine.
 */
export async function createAncestors(store: MailStore, account: AccountKey, path: string): Promise<void> {
  for (const ancestor of ancestorsOf(path)) {
    if (ancestor === 'INBOX' || (await store.getFolder(account, ancestor))) continue;
    await createUnsubscribed(store, account, ancestor).catch((err: unknown) => {
      if (!(err instanceof AlreadyExistsError)) throw err;
    });
  }
}

/**
 * Creates a folder that is not subscribed, as IMAP expects of CREATE: the adapters do not agree on
 * a new folder's subscription (MongoDB subscribes it), so the IMAP answer is made the same on all.
 * @throws AlreadyExistsError
 */
export async function createUnsubscribed(
  store: MailStore,
  account: AccountKey,
  path: string,
  opts: { specialUse?: string } = {},
): Promise<void> {
  const folder = await store.createFolder(account, path, opts);
  if (folder.subscribed) await store.setSubscribed(account, path, false);
}

/**
 * `%` and `*` are LIST wildcards: a folder named with them could never be listed on its own, so
 * CREATE and RENAME refuse such names (as Dovecot does).
 */
export function hasWildcard(path: string): boolean {
  return path.includes('%') || path.includes('*');
}
