import path from 'node:path';
import { compiled, startMailwrightProcess } from '../../lib/mailwright.js';
import { DOMAIN } from '../messages.js';

/**
 * Mailwright as an operator would run it: `mailwright start --config` in its own process, the
 * pop3 plugin only, file storage in a temp home, the embedded redis-server (a child of the node
 * process, so it is in the measured process tree). Accounts and messages go into the store before
 * the start, through the storage ports, the way a delivery stores them: blob, MIME analysis,
 * append to INBOX. Passwords are scrypt hashes, Mailwright's default.
 *
 * Settings that differ from the defaults, and why:
 * - plaintextAuth: anywhere: USER/PASS over plain text (Dovecot: disable_plaintext_auth = no).
 * - logging at warn: the per-login info line stays off the terminal.
 */
export async function startMailwright({ dir, port, mailboxes, password }) {
  const home = path.join(dir, 'home');
  const storageUrl = `file:${path.join(home, 'mail')}`;
  await fillStore(storageUrl, mailboxes, password);

  const { server, profileDir } = await startMailwrightProcess({
    dir,
    bench: 'pop3',
    lines: [
      `home: ${JSON.stringify(home)}`,
      `storage: ${JSON.stringify(storageUrl)}`,
      'logging: { level: warn }',
      'listen:',
      `  pop3: "127.0.0.1:${port}"`,
      '  pop3s: "127.0.0.1:0"',
      'plugins:',
      '  pop3: { plaintextAuth: anywhere }',
    ],
  });
  return {
    rootPids: async () => [server.pid],
    profileDir,
    stop: () => server.stop(15_000),
  };
}

async function fillStore(storageUrl, mailboxes, password) {
  const { createStorage } = await compiled('storage-adapters/file/index.js');
  const { appendToFolder, hashPassword } = await compiled('core/index.js');
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
      for (const body of messages) await appendToFolder(storage, account, 'INBOX', body);
    }
  } finally {
    await storage.close();
  }
}
