import type { AddressRoute, ExternalAlias } from '../../core/model/directory.js';
import type { RouteStore } from '../../core/ports/route-store.js';
import type { RedisContext } from './context.js';
import { accountId, member, ordered, routeId } from './keys.js';

export class RedisRouteStore implements RouteStore {
  constructor(private readonly ctx: RedisContext) {}

  async addRoute(route: AddressRoute): Promise<void> {
    const domain = route.domain.toLowerCase();
    await this.ctx.scripts.run(
      'orderedAdd',
      '',
      '',
      'route',
      routeId(domain, route.local),
      `route ${route.local}@${route.domain}`,
      JSON.stringify({ ...route, domain }),
      ordered('route:order'),
      ordered(`route:d:${domain}`),
      member(`route:to:${accountId(route.target)}`),
    );
  }

  async deleteRoute(domain: string, local: string): Promise<void> {
    await this.ctx.scripts.run('orderedDelete', 'route', routeId(domain, local), `route ${local}@${domain}`);
  }

  routesForDomain(domain: string): Promise<AddressRoute[]> {
    return this.ctx.readOrdered<AddressRoute>('route', `route:d:${domain.toLowerCase()}`);
  }

  listRoutes(): Promise<AddressRoute[]> {
    return this.ctx.readOrdered<AddressRoute>('route', 'route:order');
  }

  async addExternalAlias(alias: ExternalAlias): Promise<void> {
    const remote = `${alias.remote.name}@${alias.remote.domain}`;
    await this.ctx.scripts.run(
      'orderedAdd',
      '',
      '',
      'extalias',
      accountId(alias.remote),
      `external alias ${remote}`,
      JSON.stringify(alias),
      ordered('extalias:order'),
      member(`extalias:to:${alias.local.domain.toLowerCase()}`),
    );
  }

  async deleteExternalAlias(remoteDomain: string, remoteName: string): Promise<void> {
    await this.ctx.scripts.run(
      'orderedDelete',
      'extalias',
      accountId({ domain: remoteDomain, name: remoteName }),
      `external alias ${remoteName}@${remoteDomain}`,
    );
  }

  listExternalAliases(): Promise<ExternalAlias[]> {
    return this.ctx.readOrdered<ExternalAlias>('extalias', 'extalias:order');
  }
}
