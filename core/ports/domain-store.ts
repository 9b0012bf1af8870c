import type { AliasDomain, Domain } from '../model/directory.js';

/** Local domains and alias domains. Names arrive validated and lower-cased. */
export interface DomainStore {
  /** @throws AlreadyExistsError */
  addDomain(name: string): Promise<Domain>;
  getDomain(name: string): Promise<Domain | null>;
  /** Listed by name. */
  listDomains(): Promise<Domain[]>;
  /**
   * Removes the domain and everything under it in one step as seen by readers: its accounts (with
   * their mail, members, routes, links and files under `domains/<name>/`), its routes, external
   * aliases pointing into it and alias domains pointing at it. @throws NotFoundError
   */
  deleteDomain(name: string): Promise<void>;

  /** @throws AlreadyExistsError when `alias` is already an alias (exact name match). */
  addAliasDomain(entry: AliasDomain): Promise<void>;
  /** @throws NotFoundError */
  deleteAliasDomain(alias: string): Promise<void>;
  /** In insertion order. */
  listAliasDomains(): Promise<AliasDomain[]>;
}
