import type { InjectionToken } from 'tsyringe';
import type { Logger } from 'pino';
import type { HookBus, HookResult } from '../kernel/hooks.js';
import type { Account, AccountKey } from '../model/directory.js';
import { accountKeyOf, InvalidNameError } from '../model/names.js';
import type { AccountStore } from '../ports/account-store.js';
import type { CredentialService } from './credentials.js';
import type { DirectoryService } from './directory-service.js';
import { DEFAULT_ENABLE_RULES, type EnableRule } from './login-enables.js';
import { allowPlaintext, type ClientChannel, type PlaintextSettings } from './login-policy.js';
import { LoginProtocols, type LockoutService, type LoginProtocol } from './lockouts.js';

/** Admin accounts share the lockout service with mail accounts under this pseudo-domain. */
const ADMIN_LOCKOUT_DOMAIN = 'admin.invalid';

/** The key lockouts use for an administrator's login attempts (every admin protocol uses the same). */
export function adminLockoutKey(adminName: string): AccountKey {
  return { domain: ADMIN_LOCKOUT_DOMAIN, name: adminName.toLowerCase() };
}

/** The client as a protocol session knows it, and the settings of the listener it came in on. */
export interface LoginClient extends ClientChannel {
  /** The auth hook's `protocol`: the listener's name (`submission`, `pop3` ...), as for `connect`. */
  listener: string;
  sessionId: string;
  settings: PlaintextSettings;
}

export interface LoginAttempt {
  /** Lockouts and enable rules are kept per protocol (POP3, SMTP, IMAP, a third-party name). */
  protocol: LoginProtocol;
  client: LoginClient;
  /** The login name the client gave: `user@domain` (an administrator's name for logInAdmin). */
  username: string;
  /** The client sent the password itself (PLAIN, LOGIN, USER/PASS, a clear CTRL login): the plain-text rule applies. */
  plaintext: boolean;
}

/**
 * Checks what the client offered against the account, or against nothing when there is no
 * account that may log in (null): a password check must then take as long as for a real account
 * (CredentialService.verify does).
 */
export type CredentialCheck = (account: Account | null) => Promise<boolean> | boolean;

/** An `auth` hook handler's reject or defer. */
export type AuthVeto = Extract<HookResult, { action: 'reject' | 'defer' }>;

/**
 * Why a login was refused. `vetoed` is an `auth` hook handler refusing a correct login: the
 * protocol answers with its text (a defer as a temporary failure). The others the protocol words
 * itself; a client must not learn from them whether the account exists.
 */
export type LoginRefusal =
  | { verdict: 'bad-credentials' | 'locked-out' | 'plaintext-refused' | 'disabled' }
  | { verdict: 'vetoed'; veto: AuthVeto };

export type LoginResult<T> = { verdict: 'ok'; account: T } | LoginRefusal;

/**
 * The one login path of every protocol (SMTP AUTH, POP3, CTRL, IMAP and third-party listeners):
 *  1. the plain-text rule of the listener (login-policy.ts), before anything is looked up;
 *  2. the lockout reservation per account + protocol + client address, around
 *  3. the credential check (unknown accounts and mailing lists never log in);
 *  4. the protocol's enable rule for the account (POP3: PopEnable);
 *  5. the `auth` hook, run for every checked attempt: a handler's reject or defer refuses even a
 *     correct password;
 *  6. the last-login record.
 * Administrators (CTRL) take steps 1, 2, 3 and 5 under the Administration protocol.
 */
export class LoginService {
  private readonly enableRules: Map<LoginProtocol, EnableRule>;

  constructor(
    private readonly directory: DirectoryService,
    private readonly credentials: CredentialService,
    /** Absent without Redis: no lockouts then (a single-process test setup). */
    private readonly lockouts: LockoutService | undefined,
    private readonly hooks: HookBus,
    private readonly accounts: Pick<AccountStore, 'recordLogin'>,
    private readonly logger: Logger,
    enableRules: Readonly<Record<LoginProtocol, EnableRule>> = DEFAULT_ENABLE_RULES,
  ) {
    this.enableRules = new Map(Object.entries(enableRules));
  }

  /**
   * A third-party listener's own switch for its protocol (set at plugin start); built-in ones are
   * in DEFAULT_ENABLE_RULES.
   */
  setEnableRule(protocol: LoginProtocol, rule: EnableRule): void {
    this.enableRules.set(protocol, rule);
  }

  /** Whether a plain-text password may be taken from this client now (for CAPA/EHLO and early refusals). */
  allowPlaintext(settings: PlaintextSettings, client: ClientChannel): boolean {
    return allowPlaintext(settings, client);
  }

  /** The check of a password the client sent, as every protocol keeps passwords (CredentialService). */
  passwordCheck(password: string): CredentialCheck {
    return (account) => this.credentials.verify(account, password);
  }

  /** A mail client logging in to an account. */
  async logIn(attempt: LoginAttempt, check: CredentialCheck): Promise<LoginResult<Account>> {
    const key = keyOf(attempt.username);
    let account: Account | null = null;
    const result = await this.guarded(
      attempt,
      key,
      async () => {
        account = key && (await this.directory.loginAccount(key));
        return (await check(account)) && account !== null;
      },
      // The client proved who it is, so it may learn that the protocol is off for it.
      () => (account && this.enabled(attempt.protocol, account) ? null : { verdict: 'disabled' }),
    );
    const loggedIn: Account | null = account;
    if (result.verdict !== 'ok' || !loggedIn) return result as LoginRefusal;
    await this.accounts
      .recordLogin(loggedIn, {
        ip: attempt.client.remoteAddress,
        at: new Date(),
        protocol: attempt.protocol,
      })
      .catch((err: unknown) => this.logger.warn({ err }, 'recording the login failed'));
    return { verdict: 'ok', account: loggedIn };
  }

  /** An administrator logging in; `check` compares what was offered with the admin's secret. */
  async logInAdmin(
    attempt: Omit<LoginAttempt, 'protocol'>,
    check: () => Promise<boolean>,
  ): Promise<LoginResult<string>> {
    const admin = { ...attempt, protocol: LoginProtocols.Administration };
    const result = await this.guarded(admin, adminLockoutKey(attempt.username), check);
    return result.verdict === 'ok' ? { verdict: 'ok', account: attempt.username } : result;
  }

  private enabled(protocol: LoginProtocol, account: Account): boolean {
    return this.enableRules.get(protocol)?.(account) ?? true;
  }

  /**
   * Steps 1, 2, 3 and 5; `refuseVerified` adds a refusal after a correct password (step 4), which
   * the hook then sees as a failed attempt.
   */
  private async guarded(
    attempt: LoginAttempt,
    /** Null for a name that cannot be an account's: refused without a lockout run. */
    key: AccountKey | null,
    verify: () => Promise<boolean>,
    refuseVerified: () => LoginRefusal | null = () => null,
  ): Promise<LoginResult<null>> {
    const { client } = attempt;
    if (attempt.plaintext && !allowPlaintext(client.settings, client))
      return { verdict: 'plaintext-refused' };
    const verdict =
      key && this.lockouts
        ? await this.lockouts.attempt(attempt.protocol, key, client.remoteAddress, verify)
        : key && (await verify())
          ? 'ok'
          : 'bad-credentials';
    const refusal = verdict === 'ok' ? refuseVerified() : { verdict };
    const hook = await this.hooks.run('auth', {
      protocol: client.listener,
      sessionId: client.sessionId,
      username: attempt.username,
      remoteAddress: client.remoteAddress,
      success: refusal === null,
    });
    if (refusal) return refusal;
    if (hook.action === 'reject' || hook.action === 'defer') {
      this.logger.info({ user: attempt.username, plugin: hook.by }, 'login refused by an auth hook');
      return { verdict: 'vetoed', veto: { action: hook.action, code: hook.code, text: hook.text } };
    }
    return { verdict: 'ok', account: null };
  }
}

/** The account key a login name stands for, or null when it cannot be an account's. */
function keyOf(username: string): AccountKey | null {
  try {
    return accountKeyOf(username);
  } catch (err) {
    if (err instanceof InvalidNameError) return null;
    throw err;
  }
}

export const LoginServiceToken = Symbol.for('mailwright.LoginService') as InjectionToken<LoginService>;
