import type { MongoClient } from 'mongodb';
import type { Storage } from '../../core/ports/index.js';
import { MongoAccountStore } from './account-store.js';
import { MongoAdminStore } from './admin-store.js';
import { MongoBlobStore } from './blob-store.js';
import { collections, type Collections } from './collections.js';
import { connect } from './database.js';
import { MongoDomainStore } from './domain-store.js';
import { MongoEventLog } from './event-log.js';
import { MongoFileTree } from './file-tree.js';
import { ensureIndexes } from './indexes.js';
import { MongoMailStore } from './mail-store.js';
import { MongoPop3LinkStore } from './pop3-link-store.js';
import { MongoRouteStore } from './route-store.js';

/** The Storage port on MongoDB (or FerretDB 1.x: no transactions or change streams are used). */
export class MongoStorage implements Storage {
  readonly kind = 'mongodb';
  readonly domains: MongoDomainStore;
  readonly accounts: MongoAccountStore;
  readonly routes: MongoRouteStore;
  readonly pop3Links: MongoPop3LinkStore;
  readonly admins: MongoAdminStore;
  readonly blobs: MongoBlobStore;
  readonly mail: MongoMailStore;
  readonly files: MongoFileTree;
  readonly events: MongoEventLog;
  private readonly client: MongoClient;
  private readonly cols: Collections;

  constructor(url: string) {
    const { client, db } = connect(url);
    this.client = client;
    this.cols = collections(db);
    this.blobs = new MongoBlobStore(this.cols);
    this.domains = new MongoDomainStore(this.cols, this.blobs);
    this.accounts = new MongoAccountStore(this.cols, this.blobs);
    this.routes = new MongoRouteStore(this.cols);
    this.pop3Links = new MongoPop3LinkStore(this.cols);
    this.admins = new MongoAdminStore(this.cols);
    this.mail = new MongoMailStore(this.cols, this.blobs);
    this.files = new MongoFileTree(this.cols);
    this.events = new MongoEventLog(this.cols);
  }

  async open(): Promise<void> {
    await this.client.connect();
    await ensureIndexes(this.cols);
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
