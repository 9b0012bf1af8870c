import type { Account, AccountKey } from '../../core/index.js';
import { splitAddress } from '../../core/model/names.js';
import { Maildrop } from './maildrop.js';
import { lockMaildrop } from './maildrop-lock.js';
import type { Pop3Session } from './session.js';

/**
 * The one way into TRANSACTION, whatever the mechanism (USER/PASS, APOP, AUTH): lockout rules,
 * the credential check, XMail's `PopEnable`, the exclusive maildrop lock, the INBOX snapshot and
 * the login record, answered with RFC 2449/3206 response codes.
 */
export async function login(
  session: Pop3Session,
  address: string,
  check: (account: Account) => Promise<boolean> | boolean,
): Promise<void> {
  const { lockouts, directory, hooks, redis, storage, sizes } = session.services;
  const key = accountKey(address);
  let account: Account | null = null;
  const verdict = key
    ? await lockouts.attempt('POP3', key, session.remoteAddress, async () => {
        account = await directory.getAccount(key);
        return account !== null && account.kind === 'user' && (await check(account));
      })
    : 'bad-credentials';
  await hooks.emit('auth', {
    protocol: 'pop3',
    sessionId: session.id,
    username: address,
    remoteAddress: session.remoteAddress,
    success: verdict === 'ok',
  });
  if (verdict === 'locked-out') {
    session.send('-ERR [AUTH] too many failed logins from your address, try again later');
    return;
  }
  if (verdict !== 'ok' || !account) {
    session.send('-ERR [AUTH] invalid user name or password');
    return;
  }
  const user: Account = account;
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
    maildrop = await Maildrop.open(storage.mail, sizes, user);
  } catch (err) {
    await lock.release().catch(() => undefined);
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

function accountKey(address: string): AccountKey | null {
  try {
    const { local, domain } = splitAddress(address);
    return { name: local, domain };
  } catch {
    return null;
  }
}

/** XMail user variable `PopEnable`: "0" turns POP3 off for the account; absent means on. */
function popEnabled(account: Account): boolean {
  const setting = account.vars.findLast(([name]) => name === 'PopEnable');
  return setting?.[1] !== '0';
}
