/**
 * Where everything lives under the mail root (modelled on XMail's MAIL_ROOT):
 *
 *   domains.tab aliasdomain.tab aliases.tab extaliases.tab pop3links.tab ctrlaccounts.tab
 *   mailusers.tab                      account journal (see account-journal.ts)
 *   domains/<domain>/<user>/           user.tab, attributes.tab, mlusers.tab, lastlogin.tab,
 *                                      uidvalidity, <ruser>@<rdom>.uidl, folders/<folder>.tab
 *   blobs/<ab>/<id>, <id>.refs, <id>.mime
 *                                      message bodies, their reference journals and MIME structures
 *   logs/<log>.tab, logs/event.seq     event logs
 *   locks/                             lock files;  tmp/  temp files awaiting rename
 *
 * Admin file commands see only the configuration files among these (core/model/mail-root.ts).
 * Names reaching here were validated by core/model/names.ts, so a domain or local part is safe as a
 * path component. User directories are lower-cased because account names are case-insensitive.
 * Folder and log names may hold characters such as `/`, so they are percent-encoded.
 */
import path from 'node:path';
import type { AccountKey } from '../../core/model/index.js';
import type { FileModes } from './modes.js';

export class Layout {
  readonly tmp: string;
  readonly locks: string;
  readonly domains: string;
  readonly blobs: string;
  readonly logs: string;

  constructor(
    readonly root: string,
    /** What every file and directory created under the root gets (the configured umask). */
    readonly modes: FileModes,
  ) {
    this.tmp = path.join(root, 'tmp');
    this.locks = path.join(root, 'locks');
    this.domains = path.join(root, 'domains');
    this.blobs = path.join(root, 'blobs');
    this.logs = path.join(root, 'logs');
  }

  rootFile(name: string): string {
    return path.join(this.root, name);
  }

  lock(name: string): string {
    return path.join(this.locks, `${name}.lock`);
  }

  domainDir(domain: string): string {
    return path.join(this.domains, domain);
  }

  userDir(key: AccountKey): string {
    return path.join(this.domains, key.domain, key.name.toLowerCase());
  }

  userFile(key: AccountKey, name: string): string {
    return path.join(this.userDir(key), name);
  }

  /** One lock per account guards its folders and mail. */
  mailLock(key: AccountKey): string {
    return this.lock(`mail.${key.domain}.${key.name.toLowerCase()}`);
  }

  foldersDir(key: AccountKey): string {
    return path.join(this.userDir(key), 'folders');
  }

  folderFile(key: AccountKey, folder: string): string {
    return path.join(this.foldersDir(key), `${encodeURIComponent(folder)}.tab`);
  }

  /** The folder path a folders/ file name stands for, or null for a foreign file. */
  folderOfFile(fileName: string): string | null {
    return fileName.endsWith('.tab') ? decodeURIComponent(fileName.slice(0, -4)) : null;
  }

  blobFile(id: string): string {
    return path.join(this.blobs, id.slice(0, 2), id);
  }

  blobRefs(id: string): string {
    return `${this.blobFile(id)}.refs`;
  }

  blobStructure(id: string): string {
    return `${this.blobFile(id)}.mime`;
  }

  logFile(log: string): string {
    return path.join(this.logs, `${encodeURIComponent(log)}.tab`);
  }

  logOfFile(fileName: string): string | null {
    return fileName.endsWith('.tab') ? decodeURIComponent(fileName.slice(0, -4)) : null;
  }
}
