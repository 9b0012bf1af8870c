import { InvalidNameError, type AccountKey, type Router } from '../../core/index.js';

/**
 * Whether the authenticated account may use `mailFrom` as its sender (Postfix's
 * reject_sender_login_mismatch): the null sender, the account's own address, or an address that
 * routes to it (an alias, an alias domain, a username redirected to it). An address we cannot
 * parse belongs to nobody.
 */
export async function ownsSender(router: Router, login: AccountKey, mailFrom: string): Promise<boolean> {
  if (mailFrom === '') return true;
  let resolution;
  try {
    resolution = await router.resolve(mailFrom);
  } catch (err) {
    if (err instanceof InvalidNameError) return false;
    throw err;
  }
  return (
    resolution.kind === 'local' &&
    resolution.account.domain === login.domain &&
    resolution.account.name.toLowerCase() === login.name.toLowerCase()
  );
}
