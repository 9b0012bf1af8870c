import type { AddressRoute, ExternalAlias } from '../../core/model/index.js';
import type { RouteStore } from '../../core/ports/index.js';
import { AlreadyExistsError, NotFoundError } from '../../core/ports/index.js';
import type { Collections, RouteDoc } from './collections.js';
import { nextSeq } from './counters.js';
import { isDuplicateKey } from './errors.js';

export class MongoRouteStore implements RouteStore {
  constructor(private readonly cols: Collections) {}

  async addRoute(route: AddressRoute): Promise<void> {
    try {
      await this.cols.routes.insertOne({
        domain: route.domain,
        local: route.local,
        localLower: route.local.toLowerCase(),
        target: { domain: route.target.domain, name: route.target.name },
        targetNameLower: route.target.name.toLowerCase(),
        redirect: route.redirect,
        accountAsGiven: route.accountAsGiven,
        origin: route.origin,
        seq: await nextSeq(this.cols, 'routeSeq'),
      });
    } catch (error) {
      if (isDuplicateKey(error)) throw new AlreadyExistsError(`route ${route.local}@${route.domain}`);
      throw error;
    }
  }

  async deleteRoute(domain: string, local: string): Promise<void> {
    const result = await this.cols.routes.deleteOne({ domain, localLower: local.toLowerCase() });
    if (result.deletedCount === 0) throw new NotFoundError(`route ${local}@${domain}`);
  }

  async routesForDomain(domain: string): Promise<AddressRoute[]> {
    return (await this.cols.routes.find({ domain }).sort({ seq: 1 }).toArray()).map(toRoute);
  }

  async listRoutes(): Promise<AddressRoute[]> {
    return (await this.cols.routes.find().sort({ seq: 1 }).toArray()).map(toRoute);
  }

  async addExternalAlias(alias: ExternalAlias): Promise<void> {
    try {
      await this.cols.externalAliases.insertOne({
        remoteDomain: alias.remote.domain,
        remoteName: alias.remote.name,
        remoteNameLower: alias.remote.name.toLowerCase(),
        local: { domain: alias.local.domain, name: alias.local.name },
        seq: await nextSeq(this.cols, 'externalAliasSeq'),
      });
    } catch (error) {
      if (isDuplicateKey(error))
        throw new AlreadyExistsError(`external alias ${alias.remote.name}@${alias.remote.domain}`);
      throw error;
    }
  }

  async deleteExternalAlias(remoteDomain: string, remoteName: string): Promise<void> {
    const result = await this.cols.externalAliases.deleteOne({
      remoteDomain,
      remoteNameLower: remoteName.toLowerCase(),
    });
    if (result.deletedCount === 0) throw new NotFoundError(`external alias ${remoteName}@${remoteDomain}`);
  }

  async listExternalAliases(): Promise<ExternalAlias[]> {
    const docs = await this.cols.externalAliases.find().sort({ seq: 1 }).toArray();
    return docs.map((doc) => ({
      remote: { domain: doc.remoteDomain, name: doc.remoteName },
      local: doc.local,
    }));
  }
}

function toRoute(doc: RouteDoc): AddressRoute {
  return {
    domain: doc.domain,
    local: doc.local,
    target: doc.target,
    ...(doc.redirect !== undefined && doc.redirect !== null ? { redirect: doc.redirect } : {}),
    ...(typeof doc.accountAsGiven === 'string' ? { accountAsGiven: doc.accountAsGiven } : {}),
    origin: doc.origin,
  };
}
