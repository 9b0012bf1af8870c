import type { Account } from './directory.js';

/** The first value of an AltaVista attribute (names compared ignoring case), or undefined. */
export function accountAttribute(account: Pick<Account, 'attributes'>, name: string): string | undefined {
  const lower = name.toLowerCase();
  const values = account.attributes.find(([attr]) => attr.toLowerCase() === lower)?.[1];
  return values !== undefined && values.length > 0 && values[0] !== '' ? values[0] : undefined;
}

/**
 * XMail mailing lists (`M`) and AltaVista mailboxes of ClientType MailingList. Every rule that
 * tells lists from users asks here: lists are expanded on delivery, hold no mailbox of their own
 * and never log in, whichever view created them.
 */
export function isMailingList(account: Pick<Account, 'kind' | 'attributes'>): boolean {
  return account.kind === 'list' || /^mailinglist\b/i.test(accountAttribute(account, 'ClientType') ?? '');
}
