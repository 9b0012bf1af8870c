import { randomBytes, scrypt } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { promisify } from 'node:util';
import { compiled, startMailwrightProcess } from '../../lib/mailwright.js';
import { DOMAIN } from '../messages.js';

/**
 * The bench accounts' scrypt cost: N = 2^10 instead of Mailwright's 2^15 (about 3 ms of CPU per
 * LOGIN instead of about 100 ms). The hash format stores its parameters, so the server checks it
 * as it is; logins are not what this bench measures, and 2,000-10,000 idle connections would
 * otherwise spend minutes in scrypt. MW_BENCH_SCRYPT_N=32768 puts the default cost back.
 */
const SCRYPT_N = Number(process.env.MW_BENCH_SCRYPT_N ?? 1024);

/**
 * Mailwright as an operator would run it: `mailwright start --config` in its own process, the
 * imap plugin only (listeners `imap` and `imaps`), file storage in a temp home, the embedded
 * redis-server (a child of the node process, so it is in the measured process tree). Accounts and
 * messages go into the store once, through the storage ports as a delivery stores them; every
 * start serves the same store.
 *
 * Settings that differ from the defaults, and why:
 * - tls: the bench's certificate (the one Dovecot gets too) instead of the self-signed one;
 * - logging at warn: the per-login info line stays off the terminal;
 * - maxConnections only when the idle test asks for more than the default 10,000.
 * Plain LOGIN works without STARTTLS because loopback is in the default trustedNetworks (which
 * also exempts it from maxConnectionsPerAddress).
 */
export async function prepareMailwright({ dir, mailboxes, password, tls, maxConnections }) {
  const home = path.join(dir, 'home');
  const storageUrl = `file:${path.join(home, 'mail')}`;
  await fillStore(storageUrl, mailboxes, password);
  const settings = [`tls: { key: ${JSON.stringify(tls.key)}, cert: ${JSON.stringify(tls.cert)} }`];
  if (maxConnections > 10_000) settings.push(`maxConnections: ${maxConnections}`);
  let starts = 0;
  return {
    async start({ port, tlsPort, cpuProfile = false }) {
      starts += 1;
      const runDir = path.join(dir, `run-${starts}`);
      await mkdir(runDir);
      const { server, profileDir } = await startMailwrightProcess({
        dir: runDir,
        bench: 'imap',
        cpuProfile,
        lines: [
          `home: ${JSON.stringify(home)}`,
          `storage: ${JSON.stringify(storageUrl)}`,
          'logging: { level: warn }',
          'listen:',
          `  imap: "127.0.0.1:${port}"`,
          `  imaps: "127.0.0.1:${tlsPort}"`,
          'plugins:',
          `  imap: { ${settings.join(', ')} }`,
        ],
      });
      return {
        rootPids: async () => [server.pid],
        profileDir,
        stop: () => server.stop(15_000),
      };
    },
  };
}

async function benchHash(password) {
  const salt = randomBytes(16);
  const hash = await promisify(scrypt)(password, salt, 32, {
    N: SCRYPT_N,
    r: 8,
    p: 1,
    maxmem: 64 * 1024 * 1024,
  });
  return ['scrypt', SCRYPT_N, 8, 1, salt.toString('base64'), hash.toString('base64')].join('$');
}

async function fillStore(storageUrl, mailboxes, password) {
  const { createStorage } = await compiled('storage-adapters/file/index.js');
  const { appendToFolder } = await compiled('core/index.js');
  const storage = createStorage(storageUrl);
  await storage.open();
  try {
    await storage.domains.addDomain(DOMAIN);
    const hash = await benchHash(password);
    // Four mailboxes at a time: the store's fsyncs overlap.
    const queue = [...mailboxes];
    const worker = async () => {
      for (let mailbox = queue.shift(); mailbox; mailbox = queue.shift()) {
        const account = { domain: DOMAIN, name: mailbox.user };
        await storage.accounts.addAccount({
          ...account,
          kind: 'user',
          credential: { scheme: 'scrypt', hash },
          vars: [],
        });
        for (const body of mailbox.messages) await appendToFolder(storage, account, 'INBOX', body);
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
  } finally {
    await storage.close();
  }
}
