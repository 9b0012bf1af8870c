import { createHash } from 'node:crypto';
import { sameSecret, type Account, type CredentialService } from '../../core/index.js';

/**
 * APOP (passwords go through LoginService.passwordCheck), checked against an account through the
 * installation's credential service; a null account is one that does not exist or may not log in.
 * APOP works only for accounts with a legacy reversible secret, and only while the operator has
 * legacy secrets enabled.
 */
export class Credentials {
  constructor(private readonly credentials: CredentialService) {}

  /** True when APOP can be offered (the greeting then carries a timestamp). */
  get apopEnabled(): boolean {
    return this.credentials.legacySecrets;
  }

  /** RFC 1939 §7: the digest is MD5 over the greeting's timestamp (brackets included) and the secret. */
  apop(account: Account | null, timestamp: string, digest: string): boolean {
    const secret = account ? this.credentials.clearSecret(account) : null;
    if (secret === null) return false;
    const expected = createHash('md5')
      .update(timestamp + secret, 'utf8')
      .digest('hex');
    return sameSecret(expected, digest.toLowerCase());
  }
}
