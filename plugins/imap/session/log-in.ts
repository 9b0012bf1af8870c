import { LoginProtocols } from '../../../core/index.js';
import type { Completion } from '../commands/command-module.js';
import { capabilities } from './capabilities.js';
import type { ImapSession } from './session.js';

/**
 * The one way into the authenticated state, for LOGIN and AUTHENTICATE alike (both send the
 * password itself): the core login (plain-text rule, lockouts, credentials, the auth hook, the
 * login record), answered with RFC 5530 response codes. The failure texts never tell whether the
 * account exists.
 */
export async function logIn(session: ImapSession, username: string, password: string): Promise<Completion> {
  const { login } = session.services;
  const result = await login.logIn(
    { protocol: LoginProtocols.IMAP, client: session.loginClient, username, plaintext: true },
    login.passwordCheck(password),
  );
  switch (result.verdict) {
    case 'ok':
      session.authenticated(result.account);
      return { status: 'OK', text: 'Logged in', code: { name: 'CAPABILITY', args: capabilities(session) } };
    case 'plaintext-refused':
      return PLAINTEXT_REFUSED;
    case 'locked-out':
      return {
        status: 'NO',
        text: 'Too many failed logins from your address, try again later',
        code: { name: 'AUTHENTICATIONFAILED' },
      };
    case 'disabled':
      return {
        status: 'NO',
        text: 'IMAP access is disabled for this account',
        code: { name: 'AUTHORIZATIONFAILED' },
      };
    case 'vetoed':
      return result.veto.action === 'defer'
        ? { status: 'NO', text: result.veto.text, code: { name: 'UNAVAILABLE' } }
        : { status: 'NO', text: result.veto.text, code: { name: 'AUTHENTICATIONFAILED' } };
    default:
      return { status: 'NO', text: 'Invalid user name or password', code: { name: 'AUTHENTICATIONFAILED' } };
  }
}

/** RFC 5530 PRIVACYREQUIRED: a password in clear text before STARTTLS where the listener refuses it. */
export const PLAINTEXT_REFUSED: Completion = {
  status: 'NO',
  text: 'Plain-text passwords are refused before STARTTLS',
  code: { name: 'PRIVACYREQUIRED' },
};
