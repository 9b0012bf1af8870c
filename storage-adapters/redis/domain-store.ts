import type { AliasDomain, Domain } from '../../core/model/directory.js';
import type { DomainStore } from '../../core/ports/domain-store.js';
import type { RedisContext } from './context.js';
import { member, ordered } from './keys.js';

export class RedisDomainStore implements DomainStore {
  constructor(private readonly ctx: RedisContext) {}

  async addDomain(name: string): Promise<Domain> {
    const domain: Domain = { name: name.toLowerCase(), createdAt: new Date() };
    await this.ctx.scripts.run('addDomain', domain.name, domain.createdAt.getTime());
    return domain;
  }

  async getDomain(name: string): Promise<Domain | null> {
    const row = await this.ctx.redis.hgetall(this.ctx.key(`domain:${name.toLowerCase()}`));
    return row.name === undefined ? null : { name: row.name, createdAt: new Date(Number(row.createdAt)) };
  }

  async listDomains(): Promise<Domain[]> {
    const names = await this.ctx.redis.zrange(this.ctx.key('domains'), 0, '-1');
    const pipeline = this.ctx.redis.pipeline();
    for (const name of names) pipeline.hget(this.ctx.key(`domain:${name}`), 'createdAt');
    const results = (await pipeline.exec()) ?? [];
    return names.map((name, i) => ({ name, createdAt: new Date(Number(results[i][1])) }));
  }

  async deleteDomain(name: string): Promise<void> {
    await this.ctx.scripts.run('deleteDomain', name.toLowerCase());
  }

  async addAliasDomain(entry: AliasDomain): Promise<void> {
    const alias = entry.alias.toLowerCase();
    const domain = entry.domain.toLowerCase();
    await this.ctx.scripts.run(
      'orderedAdd',
      '',
      '',
      'aliasdom',
      alias,
      `alias domain ${alias}`,
      JSON.stringify({ alias, domain }),
      ordered('aliasdom:order'),
      member(`aliasdom:to:${domain}`),
    );
  }

  async deleteAliasDomain(alias: string): Promise<void> {
    await this.ctx.scripts.run('orderedDelete', 'aliasdom', alias.toLowerCase(), `alias domain ${alias}`);
  }

  listAliasDomains(): Promise<AliasDomain[]> {
    return this.ctx.readOrdered<AliasDomain>('aliasdom', 'aliasdom:order');
  }
}
