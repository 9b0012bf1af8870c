import type { AdminAccount } from '../../core/model/directory.js';
import type { AdminStore } from '../../core/ports/admin-store.js';
import { NotFoundError } from '../../core/ports/errors.js';
import type { RedisContext } from './context.js';

export class RedisAdminStore implements AdminStore {
  constructor(private readonly ctx: RedisContext) {}

  async putAdmin(admin: AdminAccount): Promise<void> {
    await this.ctx.redis.hset(this.ctx.key('admin'), admin.name.toLowerCase(), JSON.stringify(admin));
  }

  async getAdmin(name: string): Promise<AdminAccount | null> {
    const json = await this.ctx.redis.hget(this.ctx.key('admin'), name.toLowerCase());
    return json === null ? null : parseAdmin(json);
  }

  async deleteAdmin(name: string): Promise<void> {
    const removed = await this.ctx.redis.hdel(this.ctx.key('admin'), name.toLowerCase());
    if (removed === 0) throw new NotFoundError(`administrator ${name}`);
  }

  async listAdmins(): Promise<AdminAccount[]> {
    const rows = await this.ctx.redis.hvals(this.ctx.key('admin'));
    return rows.map(parseAdmin).sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : 1));
  }
}

function parseAdmin(json: string): AdminAccount {
  const admin = JSON.parse(json) as AdminAccount & { createdAt: string };
  return { ...admin, createdAt: new Date(admin.createdAt) };
}
