/** Routes (aliases.tab) and external aliases (extaliases.tab). */
import type { AccountKey, AddressRoute, ExternalAlias } from '../../core/model/index.js';
import { AlreadyExistsError, NotFoundError, type RouteStore } from '../../core/ports/index.js';
import type { RootTables } from './tables.js';

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
const copyKey = (k: AccountKey): AccountKey => ({ domain: k.domain, name: k.name });
const copyRoute = (r: AddressRoute): AddressRoute => ({ ...r, target: copyKey(r.target) });

export class FileRouteStore implements RouteStore {
  constructor(private readonly tables: RootTables) {}

  async addRoute(route: AddressRoute): Promise<void> {
    await this.tables.routes.update((all) => {
      if (all.some((r) => same(r.domain, route.domain) && same(r.local, route.local))) {
        throw new AlreadyExistsError(`route ${route.local}@${route.domain}`);
      }
      return { records: [...all, copyRoute(route)], result: undefined };
    });
  }

  async deleteRoute(domain: string, local: string): Promise<void> {
    await this.tables.routes.update((all) => {
      const kept = all.filter((r) => !(same(r.domain, domain) && same(r.local, local)));
      if (kept.length === all.length) throw new NotFoundError(`route ${local}@${domain}`);
      return { records: kept, result: undefined };
    });
  }

  async routesForDomain(domain: string): Promise<AddressRoute[]> {
    return (await this.tables.routes.read()).filter((r) => same(r.domain, domain)).map(copyRoute);
  }

  async listRoutes(): Promise<AddressRoute[]> {
    return (await this.tables.routes.read()).map(copyRoute);
  }

  async addExternalAlias(alias: ExternalAlias): Promise<void> {
    await this.tables.extAliases.update((all) => {
      if (
        all.some((x) => same(x.remote.domain, alias.remote.domain) && same(x.remote.name, alias.remote.name))
      ) {
        throw new AlreadyExistsError(`external alias ${alias.remote.name}@${alias.remote.domain}`);
      }
      return {
        records: [...all, { remote: copyKey(alias.remote), local: copyKey(alias.local) }],
        result: undefined,
      };
    });
  }

  async deleteExternalAlias(remoteDomain: string, remoteName: string): Promise<void> {
    await this.tables.extAliases.update((all) => {
      const kept = all.filter(
        (x) => !(same(x.remote.domain, remoteDomain) && same(x.remote.name, remoteName)),
      );
      if (kept.length === all.length) throw new NotFoundError(`external alias ${remoteName}@${remoteDomain}`);
      return { records: kept, result: undefined };
    });
  }

  async listExternalAliases(): Promise<ExternalAlias[]> {
    return (await this.tables.extAliases.read()).map((x) => ({
      remote: copyKey(x.remote),
      local: copyKey(x.local),
    }));
  }
}
