/**
 * Local domains and their alias domains (other names, maybe wildcards such as `*.example.org`, of a
 * local domain), as the admin protocols manage them: XMail's domains, AltaVista's top-level
 * mailboxes of handled domains.
 */
import type { AliasDomain } from '../../model/directory.js';
import { checkDomain } from '../../model/names.js';
import type { DomainStore } from '../../ports/domain-store.js';
import type { Router } from '../../routing/router.js';
import { DirectoryAdminError, isValid, translate, validDomain } from './errors.js';

export class DomainAdmin {
  constructor(
    private readonly store: DomainStore,
    /** Resolves alias domains the way mail is routed. */
    private readonly router: Pick<Router, 'canonicalDomain'>,
  ) {}

  /** A real local domain, lower-cased; throws domain-exists when it is one or an alias domain. */
  async add(name: string): Promise<void> {
    const domain = validDomain(name);
    if (await this.isAliasDomainName(domain)) throw new DirectoryAdminError('domain-exists', domain);
    try {
      await this.store.addDomain(domain);
    } catch (err) {
      throw translate(err, 'domain-exists');
    }
  }

  /** Removes the domain with its accounts, routes, external aliases, alias domains and files. */
  async delete(name: string): Promise<void> {
    const domain = name.toLowerCase();
    if (!(await this.isLocal(domain))) throw new DirectoryAdminError('domain-not-handled', domain);
    try {
      await this.store.deleteDomain(domain);
    } catch (err) {
      throw translate(err, 'domain-not-handled', 'domain-not-handled');
    }
  }

  /** The local domains, in insertion order. */
  async list(): Promise<string[]> {
    return (await this.store.listDomains()).map((d) => d.name);
  }

  /** Whether `domain` is a real local domain (not an alias). */
  async isLocal(domain: string): Promise<boolean> {
    // A name we would refuse to store is never local (and never reaches an adapter).
    return isValid(() => checkDomain(domain)) && (await this.store.getDomain(domain.toLowerCase())) !== null;
  }

  /** The local domain `domain` stands for (itself, or the target of a matching alias domain), or null. */
  async canonical(domain: string): Promise<string | null> {
    if (!isValid(() => checkDomain(domain))) return null;
    return this.router.canonicalDomain(domain.toLowerCase());
  }

  /** The local domain `domain` stands for; throws domain-not-handled when there is none. */
  async requireHandled(domain: string): Promise<string> {
    const canonical = await this.canonical(domain);
    if (canonical === null) throw new DirectoryAdminError('domain-not-handled', domain);
    return canonical;
  }

  // ---- alias domains -------------------------------------------------------------------------

  /**
   * `alias` (maybe a wildcard such as `*.example.org`) becomes another name of the real domain
   * `domain`. An alias that is a real domain or already an alias (exact name) is refused.
   */
  async addAlias(domain: string, alias: string): Promise<void> {
    const real = validDomain(domain);
    const aliasName = validDomain(alias, true);
    if (!(await this.isLocal(real))) throw new DirectoryAdminError('domain-not-handled', real);
    if ((await this.isLocal(aliasName)) || (await this.isAliasDomainName(aliasName))) {
      throw new DirectoryAdminError('alias-domain-exists', aliasName);
    }
    try {
      await this.store.addAliasDomain({ alias: aliasName, domain: real });
    } catch (err) {
      throw translate(err, 'alias-domain-exists');
    }
  }

  async deleteAlias(alias: string): Promise<void> {
    if (!isValid(() => checkDomain(alias, { wildcard: true }))) {
      throw new DirectoryAdminError('alias-domain-not-found', alias);
    }
    try {
      await this.store.deleteAliasDomain(alias.toLowerCase());
    } catch (err) {
      throw translate(err, 'alias-domain-not-found', 'alias-domain-not-found');
    }
  }

  listAliases(): Promise<AliasDomain[]> {
    return this.store.listAliasDomains();
  }

  /** Whether `name` is exactly the name of an alias domain. */
  private async isAliasDomainName(name: string): Promise<boolean> {
    return (await this.store.listAliasDomains()).some((entry) => entry.alias === name);
  }
}
