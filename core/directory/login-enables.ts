import type { Account } from '../model/directory.js';
import { numericVar, userVar } from '../delivery/delivery-policy.js';
import { LoginProtocols, type LoginProtocol } from './lockouts.js';

/** Whether an account may log in over one protocol (its password already checked). */
export type EnableRule = (account: Account) => boolean;

/**
 * An XMail-style switch variable: 0 turns the protocol off for the account, absent means on. Read
 * like every XMail numeric variable (atoi, as ReceiveEnable), first occurrence (userVar).
 */
export function switchVar(name: string): EnableRule {
  return (account) => userVar(account, name) === undefined || numericVar(account, name) !== 0;
}

/**
 * The per-protocol enable rules LoginService applies. A protocol without a rule is enabled for
 * every account. This is the place for IMAP's and AltaVista's switches when those listeners come
 * (e.g. `[LoginProtocols.IMAP]: switchVar('ImapEnable')`); a third-party listener sets its own
 * with LoginService.setEnableRule.
 */
export const DEFAULT_ENABLE_RULES: Readonly<Record<LoginProtocol, EnableRule>> = {
  [LoginProtocols.POP3]: switchVar('PopEnable'),
};
