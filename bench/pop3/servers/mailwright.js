import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startProcess } from '../../lib/processes.js';
import { DOMAIN } from '../messages.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
/** Compiled code: dist/ (npm run build) unless MW_BENCH_BUILD names another tsc output dir. */
const BUILD = path.resolve(REPO, process.env.MW_BENCH_BUILD ?? 'dist');
const RESULTS = path.join(REPO, 'bench/results');

async function compiled(relative) {
  return import(pathToFileURL(path.join(BUILD, relative)).href);
}

/**
 * Mailwright as an operator would run it: `mailwright start --config` in its own process, the
 * pop3 plugin only, file storage in a temp home, the embedded redis-server (a child of the node
 * process, so it is in the measured process tree). Accounts and messages go into the store before
 * the start, through the storage ports, the way a delivery stores them: blob, MIME analysis,
 * append to INBOX. Passwords are scrypt hashes, Mailwright's default.
 *
 * Settings that differ from the defaults, and why:
 * - allowInsecureAuth: USER/PASS over plain text on loopback (Dovecot: disable_plaintext_auth = no).
 * - logging at warn: the per-login info line stays off the terminal.
 */
export async function startMailwright({ dir, port, mailboxes, password }) {
  const home = path.join(dir, 'home');
  const storageUrl = `file:${path.join(home, 'mail')}`;
  await fillStore(storageUrl, mailboxes, password);

  const config = path.join(dir, 'mailwright.yaml');
  await writeFile(
    config,
    [
      `home: ${JSON.stringify(home)}`,
      `storage: ${JSON.stringify(storageUrl)}`,
      'logging: { level: warn }',
      'listen:',
      `  pop3: "127.0.0.1:${port}"`,
      '  pop3s: "127.0.0.1:0"',
      'plugins:',
      '  pop3: { allowInsecureAuth: true }',
      '',
    ].join('\n'),
  );
  const cli = process.env.MW_BENCH_BUILD
    ? path.join(BUILD, 'core/cli/main.js')
    : path.join(REPO, 'bin/mailwright.js');
  const server = startProcess(
    'mailwright',
    process.execPath,
    [...nodeFlags(), cli, 'start', '--config', config],
    {
      cwd: dir,
    },
  );
  await server.waitForOutput(/^mailwright ready/m, 60_000);
  return {
    rootPids: async () => [server.pid],
    stop: () => server.stop(15_000),
  };
}

async function fillStore(storageUrl, mailboxes, password) {
  const { createStorage } = await compiled('storage-adapters/file/index.js');
  const { analyseMime, hashPassword } = await compiled('core/index.js');
  const storage = createStorage(storageUrl);
  await storage.open();
  try {
    await storage.domains.addDomain(DOMAIN);
    // One hash for all: scrypt is slow on purpose, and logins are not what is measured.
    const hash = await hashPassword(password);
    for (const { user, messages } of mailboxes) {
      const account = { domain: DOMAIN, name: user };
      await storage.accounts.addAccount({
        ...account,
        kind: 'user',
        credential: { scheme: 'scrypt', hash },
        vars: [],
      });
      for (const body of messages) {
        const blob = await storage.blobs.putBlob(Readable.from([body]));
        const { mime, envelope } = await analyseMime(Readable.from([body]));
        await storage.mail.append(account, 'INBOX', {
          blobId: blob.id,
          size: blob.size,
          internalDate: new Date(),
          flags: [],
          mime,
          envelope,
        });
        await storage.blobs.releaseBlob(blob.id);
      }
    }
  } finally {
    await storage.close();
  }
}

/** MW_BENCH_CPU_PROF=1 writes a V8 CPU profile of the server into bench/results/ when it stops. */
function nodeFlags() {
  if (process.env.MW_BENCH_CPU_PROF !== '1') return [];
  return [
    '--cpu-prof',
    '--cpu-prof-dir',
    RESULTS,
    '--cpu-prof-name',
    `pop3-mailwright-${Date.now()}.cpuprofile`,
  ];
}
