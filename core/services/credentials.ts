import type { InjectionToken } from 'tsyringe';
import type { Account, Credential } from '../model/directory.js';
import { hashPassword, verifyPassword, type SecretBox } from './secrets.js';

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
  ) {}

  /** The credential to store for a new password ('' means no password: nobody can log in). */
  async forPassword(password: string): Promise<Credential> {
    if (password.length === 0) return { scheme: 'none' };
    return this.legacySecrets
      ? { scheme: 'legacy', secret: this.secrets.seal(password) }
      : { scheme: 'scrypt', hash: await hashPassword(password) };
  }

  async verify(account: Account, password: string): Promise<boolean> {
    const { credential } = account;
    if (credential.scheme === 'scrypt') return verifyPassword(password, credential.hash);
    const secret = this.clearSecret(account);
    return secret !== null && secret === password;
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

export const CredentialServiceToken = Symbol.for(
  'mailwright.CredentialService',
) as InjectionToken<CredentialService>;
