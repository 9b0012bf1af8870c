import { createHash, timingSafeEqual } from 'node:crypto';
import type { Account, CredentialService } from '../../core/index.js';

/**
 * What a POP3 client offers, checked against an account through the installation's credential
 * service. APOP works only for accounts with a legacy reversible secret, and only while the
 * operator has legacy secrets enabled.
 */
export class Credentials {
  constructor(private readonly credentials: CredentialService) {}

  /** True when APOP can be offered (the greeting then carries a timestamp). */
  get apopEnabled(): boolean {
    return this.credentials.legacySecrets;
  }

  password(account: Account, offered: string): Promise<boolean> {
    return this.credentials.verify(account, offered);
  }

  /** RFC 1939 §7: the digest is MD5 over the greeting's timestamp (brackets included) and the secret. */
  apop(account: Account, timestamp: string, digest: string): boolean {
    const secret = this.credentials.clearSecret(account);
    if (secret === null) return false;
    const expected = createHash('md5')
      .update(timestamp + secret, 'utf8')
      .digest('hex');
    return sameText(expected, digest.toLowerCase());
  }
}

function sameText(a: string, b: string): boolean {
  const left = createHash('sha256').update(a, 'utf8').digest();
  const right = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(left, right);
}
