/**
 * The storage the kernel registers (`Tokens.Storage`): the adapter's, with its mail store wrapped
 * in a NotifyingMailStore. Everything else is the adapter's own object.
 */
import type { AccountStore } from '../ports/account-store.js';
import type { AdminStore } from '../ports/admin-store.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { DomainStore } from '../ports/domain-store.js';
import type { EventLog } from '../ports/event-log.js';
import type { FileTree } from '../ports/file-tree.js';
import type { Pop3LinkStore } from '../ports/pop3-link-store.js';
import type { RouteStore } from '../ports/route-store.js';
import type { Storage } from '../ports/storage.js';
import type { MailboxEvents } from './mailbox-event.js';
import { NotifyingMailStore } from './notifying-mail-store.js';

export class NotifyingStorage implements Storage {
  readonly mail: NotifyingMailStore;

  constructor(
    /** The adapter's storage. */
    readonly inner: Storage,
    mailboxEvents: MailboxEvents,
  ) {
    this.mail = new NotifyingMailStore(inner.mail, mailboxEvents);
  }

  get kind(): string {
    return this.inner.kind;
  }
  get domains(): DomainStore {
    return this.inner.domains;
  }
  get accounts(): AccountStore {
    return this.inner.accounts;
  }
  get routes(): RouteStore {
    return this.inner.routes;
  }
  get pop3Links(): Pop3LinkStore {
    return this.inner.pop3Links;
  }
  get admins(): AdminStore {
    return this.inner.admins;
  }
  get blobs(): BlobStore {
    return this.inner.blobs;
  }
  get files(): FileTree {
    return this.inner.files;
  }
  get events(): EventLog {
    return this.inner.events;
  }

  open(): Promise<void> {
    return this.inner.open();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
