import { randomBytes } from 'node:crypto';
import type { InjectionToken } from 'tsyringe';
import type { Account, Credential } from '../model/directory.js';
import { hashPassword, sameSecret, verifyPassword, type SecretBox } from '../runtime/secrets.js';

/** Checks a password against a stored scrypt hash (verifyPassword; a test may watch it). */
export type HashCheck = (password: string, hash: string) => Promise<boolean>;

/**
 * How account passwords are kept and checked, the same for every protocol. scrypt hashes by
 * default; with the operator's `legacySecrets: true` new passwords are kept reversible (sealed with
 * the server key) so APOP, CRAM-MD5 and XMail's clear listings can work. Legacy secrets are never
 * used, even when stored, while the setting is off.
 */
export class CredentialService {
  constructor(
    private readonly secrets: SecretBox,
    readonly legacySecrets: boolean,
    private readonly checkHash: HashCheck = verifyPassword,
  ) {}

  /** The credential to store for a new password ('' means no password: nobody can log in). */
  async forPassword(password: string): Promise<Credential> {
    if (password.length === 0) return { scheme: 'none' };
    return this.legacySecrets
      ? { scheme: 'legacy', secret: this.secrets.seal(password) }
      : { scheme: 'scrypt', hash: await hashPassword(password) };
  }

  /**
   * Whether `password` is the account's; null stands for an unknown account (or one that may not
   * log in). Every check costs one scrypt, whatever the account and however its secret is kept:
   * without a hash of its own, a dummy hash made with the same parameters is checked. So how long
   * the answer takes does not tell which accounts exist.
   */
  async verify(account: Account | null, password: string): Promise<boolean> {
    const credential = account?.credential;
    if (credential?.scheme === 'scrypt') return this.checkHash(password, credential.hash);
    await this.checkHash(password, await dummyHash());
    const secret = account ? this.clearSecret(account) : null;
    return secret !== null && sameSecret(secret, password);
  }

  /** The clear password of a legacy account (for challenge-response schemes), or null. */
  clearSecret(account: Account): string | null {
    const { credential } = account;
    if (!this.legacySecrets || credential.scheme !== 'legacy') return null;
    return this.secrets.open(credential.secret);
  }

  /** What an XMail-style listing shows: the clear password for legacy secrets, else the stored hash. */
  displayed(account: Account): string {
    const { credential } = account;
    if (credential.scheme === 'scrypt') return credential.hash;
    return this.clearSecret(account) ?? '';
  }
}

let dummy: Promise<string> | undefined;

/** A hash of a random password nobody knows, made once per process with the current parameters. */
function dummyHash(): Promise<string> {
  return (dummy ??= hashPassword(randomBytes(16).toString('base64')));
}

export const CredentialServiceToken = Symbol.for(
  'mailwright.CredentialService',
) as InjectionToken<CredentialService>;
