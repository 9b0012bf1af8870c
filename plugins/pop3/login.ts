import { LoginProtocols, type Account, type CredentialCheck } from '../../core/index.js';
import { Maildrop } from './maildrop.js';
import { lockMaildrop } from './maildrop-lock.js';
import type { Pop3Session } from './session.js';

/**
 * The one way into TRANSACTION, whatever the mechanism (USER/PASS and AUTH send the password
 * itself: `plaintext`; APOP does not): the core login (LoginService: plain-text rule, lockouts,
 * credentials, PopEnable, the auth hook, the login record), then the exclusive maildrop lock and
 * the INBOX snapshot, answered with RFC 2449/3206 response codes.
 */
export async function login(
  session: Pop3Session,
  username: string,
  plaintext: boolean,
  check: CredentialCheck,
): Promise<void> {
  const result = await session.services.login.logIn(
    { protocol: LoginProtocols.POP3, client: session.loginClient, username, plaintext },
    check,
  );
  switch (result.verdict) {
    case 'ok':
      return openMaildrop(session, result.account);
    case 'locked-out':
      return session.send('-ERR [AUTH] too many failed logins from your address, try again later');
    case 'plaintext-refused':
      return session.send(PLAINTEXT_REFUSED);
    case 'disabled':
      return session.send('-ERR [AUTH] POP3 access is disabled for this account');
    case 'vetoed':
      return session.send(
        `-ERR ${result.veto.action === 'defer' ? '[SYS/TEMP]' : '[AUTH]'} ${result.veto.text}`,
      );
    default:
      return session.send('-ERR [AUTH] invalid user name or password');
  }
}

/** The maildrop lock and INBOX snapshot of a logged-in account, then TRANSACTION. */
async function openMaildrop(session: Pop3Session, user: Account): Promise<void> {
  const { redis, storage, sizes } = session.services;
  const lock = await lockMaildrop(redis, user, session.onLockLost);
  if (!lock) {
    session.send('-ERR [IN-USE] the maildrop is in use by another session, try again later');
    return;
  }
  let maildrop: Maildrop;
  try {
    maildrop = await Maildrop.open(storage.mail, sizes, user, session.gone);
    // A client that gave up while the maildrop was opened must not keep it locked.
    session.gone.throwIfAborted();
  } catch (err) {
    await lock.release().catch(() => undefined);
    if (session.gone.aborted) return;
    throw err;
  }
  session.enterTransaction(user, maildrop, lock);
  session.logger.info({ account: `${user.name}@${user.domain}` }, 'POP3 login');
  const count = maildrop.visible.length;
  session.send(`+OK ${count} message${count === 1 ? '' : 's'} (${maildrop.totalOctets} octets)`);
}

/** The answer to a plain-text password the listener does not take yet (RFC 2595 §2: STLS first). */
export const PLAINTEXT_REFUSED = '-ERR [AUTH] plain-text authentication is not allowed before STLS';
