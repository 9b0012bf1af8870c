/**
 * Domains (domains.tab) and alias domains (aliasdomain.tab). Deleting a domain first drops its
 * domains.tab row and tombstones its accounts in one journal append, under the account journal's
 * lock so that no account can be added to it meanwhile; then it clears what pointed into it.
 */
import { promises as fs } from 'node:fs';
import type { AliasDomain, Domain } from '../../core/model/index.js';
import { AlreadyExistsError, NotFoundError, type DomainStore } from '../../core/ports/index.js';
import { tombstoneRow } from './account-journal.js';
import type { FileAccountStore } from './account-store.js';
import type { Layout } from './layout.js';
import type { RootTables } from './tables.js';

export class FileDomainStore implements DomainStore {
  constructor(
    private readonly layout: Layout,
    private readonly tables: RootTables,
    private readonly accounts: FileAccountStore,
  ) {}

  async addDomain(name: string): Promise<Domain> {
    const domain: Domain = { name, createdAt: new Date() };
    await this.tables.domains.update((domains) => {
      if (domains.some((d) => d.name === name)) throw new AlreadyExistsError(`domain ${name}`);
      return { records: [...domains, domain], result: undefined };
    });
    await fs.mkdir(this.layout.domainDir(name), { recursive: true, mode: this.layout.modes.dir });
    return { ...domain };
  }

  async getDomain(name: string): Promise<Domain | null> {
    const found = (await this.tables.domains.read()).find((d) => d.name === name);
    return found ? { ...found } : null;
  }

  async listDomains(): Promise<Domain[]> {
    return [...(await this.tables.domains.read())]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((d) => ({ ...d }));
  }

  async deleteDomain(name: string): Promise<void> {
    const accounts = await this.accounts.withJournalLock(async () => {
      await this.tables.domains.update((domains) => {
        const kept = domains.filter((d) => d.name !== name);
        if (kept.length === domains.length) throw new NotFoundError(`domain ${name}`);
        return { records: kept, result: undefined };
      });
      const rows = await this.accounts.ofDomain(name);
      await this.accounts.journal.append(rows.map(tombstoneRow));
      return rows;
    });
    const { routes, extAliases, aliasDomains } = this.tables;
    await routes.update((all) => ({
      records: all.filter((r) => r.domain !== name && r.target.domain !== name),
      result: undefined,
    }));
    await extAliases.update((all) => ({
      records: all.filter((x) => x.local.domain !== name),
      result: undefined,
    }));
    await aliasDomains.update((all) => ({
      records: all.filter((a) => a.domain !== name),
      result: undefined,
    }));
    await this.accounts.purge(accounts);
    await fs.rm(this.layout.domainDir(name), { recursive: true, force: true });
  }

  async addAliasDomain(entry: AliasDomain): Promise<void> {
    await this.tables.aliasDomains.update((all) => {
      if (all.some((a) => a.alias === entry.alias))
        throw new AlreadyExistsError(`alias domain ${entry.alias}`);
      return { records: [...all, { alias: entry.alias, domain: entry.domain }], result: undefined };
    });
  }

  async deleteAliasDomain(alias: string): Promise<void> {
    await this.tables.aliasDomains.update((all) => {
      const kept = all.filter((a) => a.alias !== alias);
      if (kept.length === all.length) throw new NotFoundError(`alias domain ${alias}`);
      return { records: kept, result: undefined };
    });
  }

  async listAliasDomains(): Promise<AliasDomain[]> {
    return (await this.tables.aliasDomains.read()).map((a) => ({ ...a }));
  }
}
