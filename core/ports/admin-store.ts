import type { AdminAccount } from '../model/directory.js';

/** Administrators of the admin protocols (XMail ctrlaccounts.tab, AltaVista Administration). */
export interface AdminStore {
  /** Adds or replaces. */
  putAdmin(admin: AdminAccount): Promise<void>;
  /** Case-insensitive on the name. */
  getAdmin(name: string): Promise<AdminAccount | null>;
  /** @throws NotFoundError */
  deleteAdmin(name: string): Promise<void>;
  listAdmins(): Promise<AdminAccount[]>;
}
