import type { AdminAccount } from '../../core/model/index.js';
import type { AdminStore } from '../../core/ports/index.js';
import { NotFoundError } from '../../core/ports/index.js';
import type { AdminDoc, Collections } from './collections.js';

/** Keyed by the lower-cased name, so lookups are case-insensitive through the _id index. */
export class MongoAdminStore implements AdminStore {
  constructor(private readonly cols: Collections) {}

  async putAdmin(admin: AdminAccount): Promise<void> {
    const doc: AdminDoc = { _id: admin.name.toLowerCase(), ...admin };
    await this.cols.admins.replaceOne({ _id: doc._id }, doc, { upsert: true });
  }

  async getAdmin(name: string): Promise<AdminAccount | null> {
    const doc = await this.cols.admins.findOne({ _id: name.toLowerCase() });
    return doc ? toAdmin(doc) : null;
  }

  async deleteAdmin(name: string): Promise<void> {
    const result = await this.cols.admins.deleteOne({ _id: name.toLowerCase() });
    if (result.deletedCount === 0) throw new NotFoundError(`administrator ${name}`);
  }

  async listAdmins(): Promise<AdminAccount[]> {
    return (await this.cols.admins.find().sort({ _id: 1 }).toArray()).map(toAdmin);
  }
}

function toAdmin(doc: AdminDoc): AdminAccount {
  return { name: doc.name, secret: doc.secret, privileges: doc.privileges, createdAt: doc.createdAt };
}
