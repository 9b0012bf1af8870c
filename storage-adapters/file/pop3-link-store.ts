/**
 * POP3 links (pop3links.tab) and the UIDLs fetched through each, kept beside the local account as
 * domains/<domain>/<user>/<ruser>@<rdom>.uidl (where XMail keeps its `.disabled` link markers).
 */
import { promises as fs } from 'node:fs';
import type { AccountKey, Pop3Link } from '../../core/model/index.js';
import { AlreadyExistsError, NotFoundError, type Pop3LinkStore } from '../../core/ports/index.js';
import { readIfExists, writeAtomic } from './durable-fs.js';
import type { Layout } from './layout.js';
import { formatRow, parseRows } from './tab.js';
import type { RootTables } from './tables.js';

const sameAccount = (a: AccountKey, b: AccountKey): boolean =>
  a.domain === b.domain && a.name.toLowerCase() === b.name.toLowerCase();

function isLink(l: Pop3Link, local: AccountKey, remoteDomain: string, remoteUser: string): boolean {
  return (
    sameAccount(l.local, local) &&
    l.remoteDomain.toLowerCase() === remoteDomain.toLowerCase() &&
    l.remoteUser === remoteUser
  );
}

export class FilePop3LinkStore implements Pop3LinkStore {
  constructor(
    private readonly layout: Layout,
    private readonly tables: RootTables,
  ) {}

  async addLink(link: Pop3Link): Promise<void> {
    await this.tables.pop3Links.update((all) => {
      if (all.some((l) => isLink(l, link.local, link.remoteDomain, link.remoteUser))) {
        throw new AlreadyExistsError(`POP3 link ${link.remoteUser}@${link.remoteDomain}`);
      }
      return { records: [...all, { ...link, local: { ...link.local } }], result: undefined };
    });
  }

  async deleteLink(local: AccountKey, remoteDomain: string, remoteUser: string): Promise<void> {
    await this.tables.pop3Links.update((all) => {
      const kept = all.filter((l) => !isLink(l, local, remoteDomain, remoteUser));
      if (kept.length === all.length) throw new NotFoundError(`POP3 link ${remoteUser}@${remoteDomain}`);
      return { records: kept, result: undefined };
    });
    await fs.rm(this.uidlFile(local, remoteDomain, remoteUser), { force: true });
  }

  async setLinkEnabled(
    local: AccountKey,
    remoteDomain: string,
    remoteUser: string,
    enabled: boolean,
  ): Promise<void> {
    await this.tables.pop3Links.update((all) => {
      const at = all.findIndex((l) => isLink(l, local, remoteDomain, remoteUser));
      if (at < 0) throw new NotFoundError(`POP3 link ${remoteUser}@${remoteDomain}`);
      all[at] = { ...all[at], enabled };
      return { records: all, result: undefined };
    });
  }

  async listLinks(local?: AccountKey): Promise<Pop3Link[]> {
    return (await this.tables.pop3Links.read())
      .filter((l) => !local || sameAccount(l.local, local))
      .map((l) => ({ ...l, local: { ...l.local } }));
  }

  async seenUidls(link: Pop3Link): Promise<Set<string>> {
    const text = await readIfExists(this.uidlFile(link.local, link.remoteDomain, link.remoteUser));
    return new Set(text ? parseRows(text).rows.map((r) => r[0]) : []);
  }

  async setSeenUidls(link: Pop3Link, uidls: Iterable<string>): Promise<void> {
    const text = [...uidls].map((u) => formatRow([u])).join('');
    await writeAtomic(this.layout, this.uidlFile(link.local, link.remoteDomain, link.remoteUser), text);
  }

  private uidlFile(local: AccountKey, remoteDomain: string, remoteUser: string): string {
    return this.layout.userFile(
      local,
      `${encodeURIComponent(remoteUser)}@${encodeURIComponent(remoteDomain.toLowerCase())}.uidl`,
    );
  }
}
