import path from 'node:path';
import type { MailwrightConfig } from '../config/schema.js';
import type { Storage } from '../ports/storage.js';
import { loadStorageFactory } from './plugin-loader.js';

/**
 * Opens the storage a config names (default: file storage in the data dir). `file:relative/dir`
 * is relative to the config file's folder.
 */
export async function openConfiguredStorage(
  config: MailwrightConfig,
  home: string,
  baseDir: string,
): Promise<Storage> {
  const setting = config.storage ?? `file:${home}`;
  const { url, adapter } = typeof setting === 'string' ? { url: setting, adapter: undefined } : setting;
  const factory = await loadStorageFactory(url, adapter, baseDir);
  const storage = factory(resolveFileUrl(url, baseDir), { umask: config.umask });
  await storage.open();
  return storage;
}

function resolveFileUrl(url: string, baseDir: string): string {
  const match = /^file:(?!\/\/)(.*)$/.exec(url);
  if (!match || path.isAbsolute(match[1])) return url;
  return `file:${path.resolve(baseDir, match[1])}`;
}
