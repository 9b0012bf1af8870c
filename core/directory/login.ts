import type { Account, AccountKey } from '../model/directory.js';
import { accountKeyOf, InvalidNameError } from '../model/names.js';
import type { DirectoryService } from './directory-service.js';
import type { LockoutService, LoginProtocol, LoginVerdict } from './lockouts.js';

export interface LoginAttempt {
  protocol: LoginProtocol;
  /** The login name the client gave: `user@domain`. */
  address: string;
  /** The client's IP address, as the socket reports it. */
  remoteAddress: string;
}

/**
 * Checks what the client offered against the account, or against nothing when there is no
 * account that may log in (null): a password check must then take as long as for a real account
 * (CredentialService.verify does).
 */
export type CredentialCheck = (account: Account | null) => Promise<boolean> | boolean;

export type LoginResult = { verdict: 'ok'; account: Account } | { verdict: Exclude<LoginVerdict, 'ok'> };

/**
 * The one way a mail client logs in to an account, whatever the protocol and mechanism: the
 * lockout rules around the check, and the same accounts refused everywhere (unknown ones, mailing
 * lists: DirectoryService.loginAccount). Protocol-specific rules (POP3's PopEnable) come after it.
 */
export async function logIn(
  services: { directory: DirectoryService; lockouts: LockoutService },
  attempt: LoginAttempt,
  check: CredentialCheck,
): Promise<LoginResult> {
  let key: AccountKey;
  try {
    key = accountKeyOf(attempt.address);
  } catch (err) {
    if (err instanceof InvalidNameError) return { verdict: 'bad-credentials' };
    throw err;
  }
  let account: Account | null = null;
  const verdict = await services.lockouts.attempt(attempt.protocol, key, attempt.remoteAddress, async () => {
    account = await services.directory.loginAccount(key);
    const offeredRight = await check(account);
    return offeredRight && account !== null;
  });
  const loggedIn: Account | null = account;
  if (verdict === 'ok' && loggedIn) return { verdict, account: loggedIn };
  return { verdict: verdict === 'locked-out' ? 'locked-out' : 'bad-credentials' };
}
