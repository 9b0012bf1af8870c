import { checkLocalPart } from '../model/names.js';
import type { AdminStore } from '../ports/admin-store.js';
import type { SecretBox } from '../runtime/secrets.js';

/** Administrators shared by both admin protocols. Secrets stay reversible for MD5 challenge logins. */
export class AdminService {
  constructor(
    private readonly store: AdminStore,
    private readonly secrets: SecretBox,
  ) {}

  async add(name: string, password: string, privileges: string[] = ['Administration']): Promise<void> {
    checkLocalPart(name);
    if (password.length === 0) throw new Error('the password must not be empty');
    await this.store.putAdmin({
      name,
      secret: this.secrets.seal(password),
      privileges,
      createdAt: new Date(),
    });
  }

  /** The clear password, for challenge-response checks; null when there is no such admin. */
  async password(name: string): Promise<string | null> {
    const admin = await this.store.getAdmin(name);
    return admin ? this.secrets.open(admin.secret) : null;
  }
}
