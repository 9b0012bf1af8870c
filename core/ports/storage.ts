import type { AccountStore } from './account-store.js';
import type { AdminStore } from './admin-store.js';
import type { BlobStore } from './blob-store.js';
import type { DomainStore } from './domain-store.js';
import type { EventLog } from './event-log.js';
import type { FileTree } from './file-tree.js';
import type { MailStore } from './mail-store.js';
import type { Pop3LinkStore } from './pop3-link-store.js';
import type { RouteStore } from './route-store.js';

/**
 * Everything a storage adapter provides. An adapter is a plugin that `provides: ['storage']` and
 * registers one Storage under the `Storage` token. Adapters import only core/ports and core/model.
 */
export interface Storage {
  readonly kind: string;
  readonly domains: DomainStore;
  readonly accounts: AccountStore;
  readonly routes: RouteStore;
  readonly pop3Links: Pop3LinkStore;
  readonly admins: AdminStore;
  readonly blobs: BlobStore;
  readonly mail: MailStore;
  readonly files: FileTree;
  readonly events: EventLog;
  /** Creates indexes / directories; idempotent. */
  open(): Promise<void>;
  close(): Promise<void>;
}

/** What the kernel tells every adapter besides its URL. */
export interface StorageOptions {
  /**
   * Permission bits to clear from every file and directory the adapter creates (config `umask`),
   * as umask(2) does: 0o077, the default, gives 0600 files and 0700 directories.
   */
  umask?: number;
}

/** Files and directories are private to the server's user unless the operator says otherwise. */
export const DEFAULT_UMASK = 0o077;

/** Opens a Storage from a URL (`file:/var/mail`, `redis://...`, `mongodb://...`). */
export type StorageFactory = (url: string, options?: StorageOptions) => Storage;
