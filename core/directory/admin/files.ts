/**
 * The configuration files of the mail root as the admin protocols see them: custom-domain files
 * and any file inside the fence of core/model/mail-root.ts (records are never readable or writable
 * here). Paths pass through configPath (or customDomainTarget) first; the other methods take only
 * their result.
 */
import { checkAdminFilePath, customDomainPath } from '../../model/mail-root.js';
import type { FileEntry, FileTree } from '../../ports/file-tree.js';
import { asInvalidPath, DirectoryAdminError } from './errors.js';

export class MailRootFiles {
  constructor(private readonly files: FileTree) {}

  /**
   * A mail-root path as the admin gave it, in its one canonical spelling and outside the records
   * (core/model/mail-root.ts); throws invalid-path.
   */
  configPath(path: string): string {
    try {
      return checkAdminFilePath(path);
    } catch (err) {
      throw new DirectoryAdminError('invalid-path', (err as Error).message);
    }
  }

  async readFile(path: string): Promise<Buffer | null> {
    return this.files.readFile(path).catch(asInvalidPath);
  }

  /** Replaces the file with `content`. */
  async writeFile(path: string, content: Buffer): Promise<void> {
    await this.files.writeFile(path, content).catch(asInvalidPath);
  }

  /** Removes the file; nothing happens when there is none. */
  async deleteFile(path: string): Promise<void> {
    await this.files.deleteFile(path).catch(asInvalidPath);
  }

  /** Regular files directly in the mail-root directory `dir` (`''` = the root); throws directory-not-found. */
  async listFiles(dir: string): Promise<FileEntry[]> {
    if (!(await this.files.hasDirectory(dir).catch(asInvalidPath)))
      throw new DirectoryAdminError('directory-not-found', dir);
    return this.files.listFiles(dir).catch(asInvalidPath);
  }

  /** Custom domain processing file `custdomains/<domain>.tab`; null when the domain is not custom. */
  async readCustomDomain(domain: string): Promise<Buffer | null> {
    let path: string;
    try {
      path = customDomainPath(domain);
    } catch {
      return null;
    }
    return this.files.readFile(path);
  }

  /** The custom-domain file of `domain` (a leading dot allowed); throws invalid-domain. */
  customDomainTarget(domain: string): string {
    try {
      return customDomainPath(domain);
    } catch (err) {
      throw new DirectoryAdminError('invalid-domain', (err as Error).message);
    }
  }

  async listCustomDomains(): Promise<string[]> {
    return (await this.files.listFiles('custdomains'))
      .map((entry) => baseName(entry.path))
      .filter((file) => file.endsWith('.tab'))
      .map((file) => file.slice(0, -'.tab'.length));
  }
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
