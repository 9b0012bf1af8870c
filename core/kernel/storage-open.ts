import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MailwrightConfig } from '../config/schema.js';
import type { Storage } from '../ports/storage.js';
import { checkMailRootPlacement, homePaths } from '../runtime/home.js';
import { loadStorageFactory } from './plugin-loader.js';

/**
 * Opens the storage a config names; the default is file storage in `<home>/mail` (the home's
 * layout: runtime/home.ts). `file:relative/dir` is relative to the config file's folder. A file
 * storage root must stay clear of the home's private state directory.
 */
export async function openConfiguredStorage(
  config: MailwrightConfig,
  home: string,
  baseDir: string,
): Promise<Storage> {
  const setting = config.storage ?? `file:${homePaths(home).mail}`;
  const { url, adapter } = typeof setting === 'string' ? { url: setting, adapter: undefined } : setting;
  const resolved = resolveFileUrl(url, baseDir);
  const fileRoot = adapter ? null : fileRootOf(resolved);
  if (fileRoot !== null) checkMailRootPlacement(home, fileRoot);
  const factory = await loadStorageFactory(url, adapter, baseDir);
  const storage = factory(resolved, { umask: config.umask });
  await storage.open();
  return storage;
}

function resolveFileUrl(url: string, baseDir: string): string {
  const match = /^file:(?!\/\/)(.*)$/.exec(url);
  if (!match || path.isAbsolute(match[1])) return url;
  return `file:${path.resolve(baseDir, match[1])}`;
}

/** The directory a resolved `file:` URL names, as the file adapter reads it; null for other URLs. */
export function fileRootOf(url: string): string | null {
  if (!url.startsWith('file:')) return null;
  return url.startsWith('file://') ? fileURLToPath(url) : decodeURIComponent(url.slice('file:'.length));
}
