/**
 * Child process of the storage contract's cross-process UID test.
 *
 *   node uid-writer.js <url> <domain> <name> <folder> <count> <tag> <blobId> <blobSize>
 *
 * Opens the storage at <url> (adapter chosen by URL scheme), prints `ready`, waits for a line on
 * stdin so that all writers start together, then appends <count> messages referencing <blobId>
 * one after another, printing `uid <n>` after each append resolves. Message i carries the keyword
 * `$<tag>-<i>` so the parent can match stored messages to printed UIDs (a flag, not a header
 * field: the MIME structure belongs to the body, which every message here shares).
 */
import { once } from 'node:events';
import type { Storage, StorageFactory } from '../../core/ports/index.js';
import { newMessage } from '../helpers/messages.js';

/** Imported lazily so that a missing adapter only fails the scheme that needs it. */
const adapterByScheme: Record<string, string> = {
  'file:': '../../storage-adapters/file/index.js',
  'redis:': '../../storage-adapters/redis/index.js',
  'rediss:': '../../storage-adapters/redis/index.js',
  'mongodb:': '../../storage-adapters/mongodb/index.js',
};

async function openStorageByUrl(url: string): Promise<Storage> {
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0].toLowerCase() ?? '';
  const modulePath = adapterByScheme[scheme];
  if (!modulePath) throw new Error(`no storage adapter for URL scheme "${scheme}" (${url})`);
  const adapter = (await import(modulePath)) as { createStorage: StorageFactory };
  const storage = adapter.createStorage(url);
  await storage.open();
  return storage;
}

async function main(argv: string[]): Promise<void> {
  const [url, domain, name, folder, count, tag, blobId, blobSize] = argv;
  const storage = await openStorageByUrl(url);
  process.stdout.write('ready\n');
  process.stdin.setEncoding('utf8');
  await once(process.stdin, 'data');
  const account = { domain, name };
  for (let i = 0; i < Number(count); i++) {
    const size = Number(blobSize);
    const meta = await storage.mail.append(
      account,
      folder,
      newMessage({ id: blobId, size }, { flags: [`$${tag}-${i}`] }),
    );
    process.stdout.write(`uid ${meta.uid}\n`);
  }
  await storage.close();
  process.stdin.destroy();
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
