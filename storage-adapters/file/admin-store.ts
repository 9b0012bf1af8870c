/** Administrators (ctrlaccounts.tab, mode 0600). */
import type { AdminAccount } from '../../core/model/index.js';
import { NotFoundError, type AdminStore } from '../../core/ports/index.js';
import type { RootTables } from './tables.js';

const copy = (a: AdminAccount): AdminAccount => ({
  ...a,
  privileges: [...a.privileges],
  createdAt: new Date(a.createdAt),
});
const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

export class FileAdminStore implements AdminStore {
  constructor(private readonly tables: RootTables) {}

  async putAdmin(admin: AdminAccount): Promise<void> {
    await this.tables.admins.update((all) => {
      const at = all.findIndex((a) => same(a.name, admin.name));
      if (at >= 0) all[at] = copy(admin);
      else all.push(copy(admin));
      return { records: all, result: undefined };
    });
  }

  async getAdmin(name: string): Promise<AdminAccount | null> {
    const found = (await this.tables.admins.read()).find((a) => same(a.name, name));
    return found ? copy(found) : null;
  }

  async deleteAdmin(name: string): Promise<void> {
    await this.tables.admins.update((all) => {
      const kept = all.filter((a) => !same(a.name, name));
      if (kept.length === all.length) throw new NotFoundError(`administrator ${name}`);
      return { records: kept, result: undefined };
    });
  }

  async listAdmins(): Promise<AdminAccount[]> {
    return (await this.tables.admins.read()).map(copy);
  }
}
