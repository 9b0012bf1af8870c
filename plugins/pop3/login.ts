import {
  logIn,
  LoginProtocols,
  numericVar,
  userVar,
  type Account,
  type CredentialCheck,
} from '../../core/index.js';
import { Maildrop } from './maildrop.js';
import { lockMaildrop } from './maildrop-lock.js';
import type { Pop3Session } from './session.js';

/**
 * The one way into TRANSACTION, whatever the mechanism (USER/PASS, APOP, AUTH): the core login
 * (lockout rules, the credential check, no mailing lists), XMail's `PopEnable`, the exclusive
 * maildrop lock, the INBOX snapshot and the login record, answered with RFC 2449/3206 response codes.
 */
export async function login(session: Pop3Session, address: string, check: CredentialCheck): Promise<void> {
  const { hooks, redis, storage, sizes } = session.services;
  const result = await logIn(
    session.services,
    { protocol: LoginProtocols.POP3, address, remoteAddress: session.remoteAddress },
    check,
  );
  await hooks.emit('auth', {
    protocol: 'pop3',
    sessionId: session.id,
    username: address,
    remoteAddress: session.remoteAddress,
    success: result.verdict === 'ok',
  });
  if (result.verdict === 'locked-out') {
    session.send('-ERR [AUTH] too many failed logins from your address, try again later');
    return;
  }
  if (result.verdict !== 'ok') {
    session.send('-ERR [AUTH] invalid user name or password');
    return;
  }
  const user: Account = result.account;
  if (!popEnabled(user)) {
    session.send('-ERR [AUTH] POP3 access is disabled for this account');
    return;
  }
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
  await storage.accounts
    .recordLogin(user, { ip: session.remoteAddress, at: new Date(), protocol: 'POP3' })
    .catch((err: unknown) => session.logger.warn({ err }, 'recording the login failed'));
  session.logger.info({ account: `${user.name}@${user.domain}` }, 'POP3 login');
  const count = maildrop.visible.length;
  session.send(`+OK ${count} message${count === 1 ? '' : 's'} (${maildrop.totalOctets} octets)`);
}

/**
 * XMail user variable `PopEnable`: 0 turns POP3 off for the account; absent means on. Read like
 * every XMail numeric variable (atoi, as ReceiveEnable).
 */
function popEnabled(account: Account): boolean {
  return userVar(account, 'PopEnable') === undefined || numericVar(account, 'PopEnable') !== 0;
}
