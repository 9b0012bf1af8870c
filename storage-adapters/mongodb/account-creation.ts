import { ObjectId } from 'mongodb';
import type { BlobStore, NewAccount } from '../../core/ports/index.js';
import { AlreadyExistsError, NotFoundError } from '../../core/ports/index.js';
import { accountDoc, addressKey, readAccount, type StoredAccount } from './accounts-lookup.js';
import type { Collections, FolderDoc } from './collections.js';
import { nextSeqs } from './counters.js';
import { newFolderDoc } from './folder-records.js';
import { insertEach } from './insert-each.js';
import { isAbandoned, purgeAccount } from './lifecycle.js';

/** Enough to fill FerretDB's insert batches; bounded so one insertMany stays small. */
const MAX_BATCH = 1000;

interface PendingAccount {
  account: NewAccount;
  /** Set once an abandoned holder of the name was removed for it: it gets one more try. */
  reclaimed: boolean;
  resolve(account: StoredAccount): void;
  reject(error: unknown): void;
}

/**
 * addAccount with group commit. Every write to FerretDB 1.x on SQLite is a transaction of its own
 * (milliseconds each), so the adds of this process go in batches: one add alone is written at
 * once, the adds that arrive while a batch is written make up the next one. A batch checks each
 * domain once, claims its account seqs and UIDVALIDITYs as blocks (unique across processes,
 * claims.ts), and writes all INBOXes, then all account documents, with one insertMany each
 * (lifecycle.ts explains the order). Each add still succeeds or fails on its own: a name already
 * taken fails that add alone.
 */
export class AccountCreator {
  private readonly queue: PendingAccount[] = [];
  private writing = false;

  constructor(
    private readonly cols: Collections,
    private readonly blobs: BlobStore,
  ) {}

  create(account: NewAccount): Promise<StoredAccount> {
    return new Promise((resolve, reject) => {
      this.queue.push({ account, reclaimed: false, resolve, reject });
      void this.writeQueued();
    });
  }

  private async writeQueued(): Promise<void> {
    if (this.writing) return; // the running loop takes the new arrivals
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        try {
          await this.writeBatch(batch);
        } catch (error) {
          for (const pending of batch) pending.reject(error); // no-op for those already settled
        }
      }
    } finally {
      this.writing = false;
    }
  }

  private async writeBatch(batch: PendingAccount[]): Promise<void> {
    const live = await this.inLiveDomains(batch);
    if (live.length === 0) return;
    const [seqs, uidValidities] = await Promise.all([
      nextSeqs(this.cols, 'accountSeq', live.length),
      nextSeqs(this.cols, 'uidValidity', live.length),
    ]);
    const now = new Date();
    const accounts = live.map((pending, i) => storedAccount(pending.account, seqs[i], now));
    const inboxes = accounts.map((account, i) => newFolderDoc(account.accountId, 'INBOX', uidValidities[i]));
    // Fresh accountIds: these folders collide with nothing, and nobody sees them yet.
    await this.cols.folders.insertMany(inboxes, { ordered: false });
    const claimed = await insertEach(this.cols.accounts, accounts.map(accountDoc));
    await Promise.all(
      live.map((pending, i) =>
        claimed[i] ? pending.resolve(accounts[i]) : this.lostName(pending, accounts[i], inboxes[i]),
      ),
    );
  }

  /** The adds whose domain exists; the others fail with NotFoundError. Each domain is read once. */
  private async inLiveDomains(batch: PendingAccount[]): Promise<PendingAccount[]> {
    const names = [...new Set(batch.map((pending) => pending.account.domain.toLowerCase()))];
    const docs = await Promise.all(names.map((_id) => this.cols.domains.findOne({ _id })));
    const live = new Set(names.filter((_, i) => docs[i] && !docs[i].deleting));
    return batch.filter((pending) => {
      const domain = pending.account.domain.toLowerCase();
      if (!live.has(domain)) pending.reject(new NotFoundError(`domain ${domain}`));
      return live.has(domain);
    });
  }

  /**
   * The name was taken: the INBOX goes, and the add fails, unless the holder is debris of a crash
   * (lifecycle.ts), which is removed before the add is queued again.
   */
  private async lostName(pending: PendingAccount, account: StoredAccount, inbox: FolderDoc): Promise<void> {
    try {
      await this.cols.folders.deleteOne({ _id: inbox._id });
      const holder = await this.cols.accounts.findOne({ _id: account.key });
      if (!pending.reclaimed && holder && isAbandoned(holder)) {
        await purgeAccount(this.cols, this.blobs, readAccount(holder));
        this.queue.push({ ...pending, reclaimed: true });
        return;
      }
      pending.reject(new AlreadyExistsError(`account ${account.name}@${account.domain}`));
    } catch (error) {
      pending.reject(error);
    }
  }
}

function storedAccount(account: NewAccount, seq: number, now: Date): StoredAccount {
  return {
    key: addressKey(account),
    accountId: new ObjectId(),
    domain: account.domain.toLowerCase(),
    name: account.name,
    seq,
    kind: account.kind,
    credential: account.credential,
    vars: account.vars,
    attributes: account.attributes ?? [],
    createdAt: now,
  };
}
