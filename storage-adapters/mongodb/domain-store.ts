import type { AliasDomain, Domain } from '../../core/model/index.js';
import type { BlobStore, DomainStore } from '../../core/ports/index.js';
import { AlreadyExistsError, NotFoundError } from '../../core/ports/index.js';
import type { Collections } from './collections.js';
import { nextSeq } from './counters.js';
import { isDuplicateKey } from './errors.js';
import { purgeDomain } from './lifecycle.js';

const VISIBLE = { deleting: { $ne: true } };

export class MongoDomainStore implements DomainStore {
  constructor(
    private readonly cols: Collections,
    private readonly blobs: BlobStore,
  ) {}

  async addDomain(name: string): Promise<Domain> {
    const doc = { _id: name, createdAt: new Date() };
    for (let attempt = 0; ; attempt++) {
      try {
        await this.cols.domains.insertOne(doc);
        return { name, createdAt: doc.createdAt };
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        // A deletion that crashed half-way still holds the name: finish it, then add afresh.
        const holder = await this.cols.domains.findOne({ _id: name });
        if (!holder?.deleting || attempt > 0) throw new AlreadyExistsError(`domain ${name}`);
        await purgeDomain(this.cols, this.blobs, name);
      }
    }
  }

  async getDomain(name: string): Promise<Domain | null> {
    const doc = await this.cols.domains.findOne({ _id: name, ...VISIBLE });
    return doc ? { name: doc._id, createdAt: doc.createdAt } : null;
  }

  async listDomains(): Promise<Domain[]> {
    const docs = await this.cols.domains.find(VISIBLE).sort({ _id: 1 }).toArray();
    return docs.map((doc) => ({ name: doc._id, createdAt: doc.createdAt }));
  }

  /** Flagging the domain is the one step readers see; the rest follows (see lifecycle.ts). */
  async deleteDomain(name: string): Promise<void> {
    const result = await this.cols.domains.updateOne({ _id: name, ...VISIBLE }, { $set: { deleting: true } });
    if (result.matchedCount === 0) throw new NotFoundError(`domain ${name}`);
    await purgeDomain(this.cols, this.blobs, name);
  }

  async addAliasDomain(entry: AliasDomain): Promise<void> {
    try {
      const seq = await nextSeq(this.cols, 'aliasDomainSeq');
      await this.cols.aliasDomains.insertOne({ _id: entry.alias, domain: entry.domain, seq });
    } catch (error) {
      if (isDuplicateKey(error)) throw new AlreadyExistsError(`alias domain ${entry.alias}`);
      throw error;
    }
  }

  async deleteAliasDomain(alias: string): Promise<void> {
    const result = await this.cols.aliasDomains.deleteOne({ _id: alias });
    if (result.deletedCount === 0) throw new NotFoundError(`alias domain ${alias}`);
  }

  async listAliasDomains(): Promise<AliasDomain[]> {
    const docs = await this.cols.aliasDomains.find().sort({ seq: 1 }).toArray();
    return docs.map((doc) => ({ alias: doc._id, domain: doc.domain }));
  }
}
