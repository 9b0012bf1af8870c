import path from 'node:path';
import process from 'node:process';
import { compiled, startMailwrightProcess } from '../../lib/mailwright.js';

/**
 * Mailwright as an operator would run it: `mailwright start --config` in its own process, smtp and
 * queue plugins only, file storage in a temp home, the embedded redis-server (a child of the node
 * process, so it is in the measured process tree). The local domain and user are created in the
 * store before start, through the storage ports.
 *
 * Settings that differ from the defaults, and why:
 * - maxConnectionsPerIp 100: the load comes from one address with 50 sessions (default 20).
 * - reverseDns off: so that a slow resolver cannot skew the numbers. Postfix resolves loopback from
 *   /etc/hosts; Haraka's per-connection reverse lookup is answered at once on a healthy machine.
 * - logging at warn: the peers log one line per message to a file or not at all; Mailwright's info
 *   level logs nothing per message either, warn keeps the terminal quiet.
 * - workers 1 (MW_BENCH_WORKERS): one delivery worker process beside the front process, as an
 *   operator runs it on a machine with more than one core (README, "Scaling"); 0 runs delivery in
 *   the front process. Its RSS counts (it is a child of the measured process).
 */
export async function startMailwright({ dir, port, domain, user }) {
  const home = path.join(dir, 'home');
  const storageUrl = `file:${path.join(home, 'mail')}`;
  const { createStorage } = await compiled('storage-adapters/file/index.js');
  const storage = createStorage(storageUrl);
  await storage.open();
  // Straight through the storage ports (the stable contract); the user needs no password.
  await storage.domains.addDomain(domain);
  await storage.accounts.addAccount({
    domain,
    name: user,
    kind: 'user',
    credential: { scheme: 'none' },
    vars: [],
  });
  await storage.close();

  const { server } = await startMailwrightProcess({
    dir,
    bench: 'smtp',
    lines: [
      `home: ${JSON.stringify(home)}`,
      `storage: ${JSON.stringify(storageUrl)}`,
      'logging: { level: warn }',
      'listen:',
      `  smtp: "127.0.0.1:${port}"`,
      '  submission: "127.0.0.1:0"',
      '  smtps: "127.0.0.1:0"',
      `workers: ${process.env.MW_BENCH_WORKERS ?? 1}`,
      'plugins:',
      '  queue: { prefix: bench }',
      '  smtp: { hostname: mx.bench.test, maxConnectionsPerIp: 100, reverseDns: false }',
    ],
  });

  // A second view of the same store, read-only here, to count what the worker delivered.
  const reader = createStorage(storageUrl);
  await reader.open();
  const account = { domain, name: user };
  return {
    rootPids: async () => [server.pid],
    delivered: async () => (await reader.mail.getFolder(account, 'INBOX'))?.messages ?? 0,
    stop: async () => {
      await server.stop(15_000);
      await reader.close();
    },
  };
}
