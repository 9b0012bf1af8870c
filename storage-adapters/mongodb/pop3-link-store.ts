import type { AccountKey, Pop3Link } from '../../core/model/index.js';
import type { Pop3LinkStore } from '../../core/ports/index.js';
import { AlreadyExistsError, NotFoundError } from '../../core/ports/index.js';
import type { Collections, Pop3LinkDoc } from './collections.js';
import { nextSeq } from './counters.js';
import { isDuplicateKey } from './errors.js';

/** The unique `link` index key of a link. */
function linkFilter(local: AccountKey, remoteDomain: string, remoteUser: string) {
  return { localDomain: local.domain, localNameLower: local.name.toLowerCase(), remoteDomain, remoteUser };
}

export class MongoPop3LinkStore implements Pop3LinkStore {
  constructor(private readonly cols: Collections) {}

  async addLink(link: Pop3Link): Promise<void> {
    try {
      await this.cols.pop3Links.insertOne({
        ...linkFilter(link.local, link.remoteDomain, link.remoteUser),
        localName: link.local.name,
        remoteSecret: link.remoteSecret,
        auth: link.auth,
        tls: link.tls,
        enabled: link.enabled,
        seq: await nextSeq(this.cols, 'pop3LinkSeq'),
        seenUidls: [],
      });
    } catch (error) {
      if (isDuplicateKey(error))
        throw new AlreadyExistsError(`POP3 link ${link.remoteUser}@${link.remoteDomain}`);
      throw error;
    }
  }

  async deleteLink(local: AccountKey, remoteDomain: string, remoteUser: string): Promise<void> {
    const result = await this.cols.pop3Links.deleteOne(linkFilter(local, remoteDomain, remoteUser));
    if (result.deletedCount === 0) throw new NotFoundError(`POP3 link ${remoteUser}@${remoteDomain}`);
  }

  async setLinkEnabled(
    local: AccountKey,
    remoteDomain: string,
    remoteUser: string,
    enabled: boolean,
  ): Promise<void> {
    const result = await this.cols.pop3Links.updateOne(linkFilter(local, remoteDomain, remoteUser), {
      $set: { enabled },
    });
    if (result.matchedCount === 0) throw new NotFoundError(`POP3 link ${remoteUser}@${remoteDomain}`);
  }

  async listLinks(local?: AccountKey): Promise<Pop3Link[]> {
    const filter = local ? { localDomain: local.domain, localNameLower: local.name.toLowerCase() } : {};
    const docs = await this.cols.pop3Links
      .find(filter, { projection: { seenUidls: 0 } })
      .sort({ seq: 1 })
      .toArray();
    return docs.map(toLink);
  }

  async seenUidls(link: Pop3Link): Promise<Set<string>> {
    const doc = await this.cols.pop3Links.findOne(
      linkFilter(link.local, link.remoteDomain, link.remoteUser),
      {
        projection: { seenUidls: 1 },
      },
    );
    return new Set(doc?.seenUidls ?? []);
  }

  async setSeenUidls(link: Pop3Link, uidls: Iterable<string>): Promise<void> {
    await this.cols.pop3Links.updateOne(linkFilter(link.local, link.remoteDomain, link.remoteUser), {
      $set: { seenUidls: [...uidls] },
    });
  }
}

function toLink(doc: Omit<Pop3LinkDoc, 'seenUidls'>): Pop3Link {
  return {
    local: { domain: doc.localDomain, name: doc.localName },
    remoteDomain: doc.remoteDomain,
    remoteUser: doc.remoteUser,
    remoteSecret: doc.remoteSecret,
    auth: doc.auth,
    tls: doc.tls,
    enabled: doc.enabled,
  };
}
