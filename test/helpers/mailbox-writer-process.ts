/**
 * A process of its own changing mail, as a delivery worker or another front does:
 *
 *   node mailbox-writer-process.js <storage URL> <redis URL> <home>
 *
 * It starts a kernel on that storage and Redis, prints `{"ready":true}`, then reads one JSON command
 * a line on stdin and answers each with one JSON line on stdout, `committedAt` being the moment the
 * store's call resolved (performance.timeOrigin + performance.now(), comparable across processes):
 *
 *   {"op":"append","account":{...},"folder":"INBOX","body":"..."}  → {"uid","modseq","committedAt"}
 *   {"op":"flags","account":{...},"folder":"INBOX","uids":[1],"flags":["\\Deleted"]} → {"modseq","committedAt"}
 *   {"op":"expunge","account":{...},"folder":"INBOX"}              → {"uids","committedAt"}
 *
 * It stops its kernel and exits when stdin ends.
 */
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { appendToFolder, type AccountKey } from '../../core/index.js';
import { startStorageKernel } from './storage-kernel.js';

interface Command {
  op: 'append' | 'flags' | 'expunge';
  account: AccountKey;
  folder: string;
  body?: string;
  uids?: number[];
  flags?: string[];
}

const [storageUrl, redisUrl, home] = process.argv.slice(2);
const { kernel, storage } = await startStorageKernel({ storage: storageUrl, redisUrl, home });
const now = () => performance.timeOrigin + performance.now();
const answer = (value: unknown) => process.stdout.write(JSON.stringify(value) + '\n');

async function run(command: Command): Promise<unknown> {
  const { account, folder } = command;
  switch (command.op) {
    case 'append': {
      const meta = await appendToFolder(storage, account, folder, Buffer.from(command.body ?? ''));
      return { uid: meta.uid, modseq: meta.modseq, committedAt: now() };
    }
    case 'flags': {
      const { updated } = await storage.mail.updateFlags(account, folder, {
        uids: command.uids ?? [],
        operation: 'add',
        flags: command.flags ?? [],
      });
      return { modseq: Math.max(...updated.map((message) => message.modseq)), committedAt: now() };
    }
    case 'expunge': {
      const uids = await storage.mail.expunge(account, folder);
      return { uids, committedAt: now() };
    }
  }
}

answer({ ready: true });
for await (const line of createInterface({ input: process.stdin })) {
  try {
    answer(await run(JSON.parse(line) as Command));
  } catch (err) {
    answer({ error: (err as Error).message });
  }
}
await kernel.stop();
