import type { AddressRoute, ExternalAlias } from '../model/directory.js';

/**
 * The address routing table (XMail aliases, AltaVista Usernames) and external aliases.
 * Wildcard matching is the router's job; the store answers by domain so a lookup never scans
 * the whole table.
 */
export interface RouteStore {
  /**
   * @throws AlreadyExistsError when a route with the same (domain, local) exists, case-insensitively
   * (a username may belong to one mailbox only).
   */
  addRoute(route: AddressRoute): Promise<void>;
  /** @throws NotFoundError */
  deleteRoute(domain: string, local: string): Promise<void>;
  /** Routes of one domain (use `*` for domain-less usernames), in insertion order. */
  routesForDomain(domain: string): Promise<AddressRoute[]>;
  /** Every route, in insertion order (listings, copies). */
  listRoutes(): Promise<AddressRoute[]>;

  /** @throws AlreadyExistsError */
  addExternalAlias(alias: ExternalAlias): Promise<void>;
  /** @throws NotFoundError */
  deleteExternalAlias(remoteDomain: string, remoteName: string): Promise<void>;
  /** In insertion order. */
  listExternalAliases(): Promise<ExternalAlias[]>;
}
