/**
 * The per-account receiving rules of XMail's user variables (spec §3.5), checked both when SMTP
 * accepts a RCPT and when the delivery worker stores a message, so the two never disagree:
 * - `ReceiveEnable` 0: the account takes no mail;
 * - `MaxMessageSize` (KB, 0 or absent = no limit): larger messages are refused;
 * - `MaxMBSize` (KB, 0 or absent = no limit): a mailbox already at or over its quota takes no more.
 *   As in XMail (UPopCheckMailboxSize), the incoming message's size is not added: a message is
 *   refused only once the mailbox is full, so RCPT time and delivery time give the same answer.
 */
import type { Account, AccountKey, ListMember } from '../model/directory.js';
import type { TraceFields } from '../mime/header-fields.js';
import type { MailStore } from '../ports/mail-store.js';

/** A refusal with the SMTP reply it maps to; `permanent` false means "try again later". */
export interface DeliveryRejection {
  kind: 'reject';
  code: number;
  /** Enhanced status code and text, e.g. `4.2.2 <a@b>: mailbox full`. */
  text: string;
  permanent: boolean;
}

/**
 * `rcpt`: an SMTP session asks (size known only from a SIZE= parameter); over quota is temporary
 * there (452 4.2.2: the user may make room). `delivery`: the worker is about to store; a full
 * mailbox is then permanent, as XMail bounces it (552 5.2.2).
 */
export type DeliveryPhase = 'rcpt' | 'delivery';

const KB = 1024;

/** The value of an XMail user variable (names are case-sensitive, §3.5), or undefined. */
export function userVar(account: Pick<Account, 'vars'>, name: string): string | undefined {
  return account.vars.find(([variable]) => variable === name)?.[1];
}

/** XMail reads numeric variables with atoi: leading digits, anything else is 0. */
export function numericVar(account: Pick<Account, 'vars'>, name: string): number {
  const value = userVar(account, name);
  const digits = value === undefined ? null : /^\s*([+-]?\d+)/.exec(value);
  return digits ? Number.parseInt(digits[1], 10) : 0;
}

/** `ReceiveEnable` absent counts as enabled (XMail's default userdef.tab sets it to 1). */
export function receiveEnabled(account: Pick<Account, 'vars'>): boolean {
  return userVar(account, 'ReceiveEnable') === undefined || numericVar(account, 'ReceiveEnable') !== 0;
}

/** AltaVista MaximumHops default. */
export const DEFAULT_MAX_HOPS = 25;

/** The hop limit of one message: reports (null reverse path) may make twice as many (AltaVista §2.12). */
function hopLimit(maximumHops: number, mailFrom: string): number {
  return mailFrom === '' ? 2 * maximumHops : maximumHops;
}

/**
 * The hop rule, in one place (AltaVista §2.12 and decision 13). A message's hops are the
 * `Received:` fields it carried when it arrived here, NOT counting the one this server adds: every
 * message this server stores (accepted over SMTP, forwarded by a redirection or list, or a report)
 * gets exactly one `Received:` of ours on top when it is spooled, so hops = stored fields - 1, and
 * each forward is one hop more than the message it copies. A message with hops > hopLimit() is
 * over: exactly `maximumHops` is still delivered. Both checks use this: the SMTP session refuses
 * at the end of DATA (smtp.maximumHops), the delivery worker non-delivers the whole message
 * (queue.maximumHops; it catches what forwards add). Answers the numbers for the error text.
 */
export function hopExcess(
  stored: TraceFields,
  maximumHops: number,
  mailFrom: string,
): { hops: number; limit: number } | null {
  const hops = Math.max(0, stored.received - 1);
  const limit = hopLimit(maximumHops, mailFrom);
  return hops > limit ? { hops, limit } : null;
}

/** A list member's permissions, upper-cased; XMail's default when none were given is `RW`. */
export function memberPerms(member: ListMember): string {
  return member.perms === '' ? 'RW' : member.perms.toUpperCase();
}

/**
 * XMail `ClosedML`: may this sender post to the list? Open lists take anyone; a closed one takes
 * members with `W` posting from their address, and members with `A` logged in as that address.
 * Checked at RCPT (so an outsider is refused in the session, not bounced to a maybe forged sender)
 * and again at delivery (a list reached through an alias or a redirection).
 */
export function mayPostToList(
  list: Pick<Account, 'vars'>,
  members: ListMember[],
  mailFrom: string,
  authUser: string | undefined,
): boolean {
  if (numericVar(list, 'ClosedML') === 0) return true;
  const sender = mailFrom.toLowerCase();
  const user = authUser?.toLowerCase();
  return members.some((member) => {
    const perms = memberPerms(member);
    const address = member.address.toLowerCase();
    return (perms.includes('W') && address === sender) || (perms.includes('A') && address === user);
  });
}

function addressOf(account: AccountKey): string {
  return `${account.name}@${account.domain}`;
}

export class DeliveryPolicy {
  constructor(private readonly mail: Pick<MailStore, 'usage'>) {}

  /** The ReceiveEnable rule alone (lists and redirecting accounts are subject to it too). */
  checkReceive(account: Account): DeliveryRejection | null {
    if (receiveEnabled(account)) return null;
    return reject(550, `5.2.1 <${addressOf(account)}>: mailbox disabled, not accepting messages`, true);
  }

  /**
   * Every rule for a message to be stored in `account`: ReceiveEnable, MaxMessageSize (when `size`
   * is known) and MaxMBSize. Resolves null when the message may go in.
   */
  async checkStore(account: Account, phase: DeliveryPhase, size?: number): Promise<DeliveryRejection | null> {
    const disabled = this.checkReceive(account);
    if (disabled) return disabled;
    const maxMessageKb = numericVar(account, 'MaxMessageSize');
    if (maxMessageKb > 0 && size !== undefined && size > maxMessageKb * KB) {
      return reject(
        552,
        `5.3.4 <${addressOf(account)}>: message size exceeds the recipient's limit of ${maxMessageKb} KB`,
        true,
      );
    }
    const quotaKb = numericVar(account, 'MaxMBSize');
    if (quotaKb > 0) {
      const usage = await this.mail.usage({ domain: account.domain, name: account.name });
      if (usage.bytes >= quotaKb * KB) {
        return phase === 'rcpt'
          ? reject(452, `4.2.2 <${addressOf(account)}>: mailbox full, try again later`, false)
          : reject(552, `5.2.2 <${addressOf(account)}>: mailbox full`, true);
      }
    }
    return null;
  }
}

function reject(code: number, text: string, permanent: boolean): DeliveryRejection {
  return { kind: 'reject', code, text, permanent };
}
