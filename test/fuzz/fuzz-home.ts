/**
 * A data directory and config file for a fuzzed server: every listener of the chosen plugins on a
 * free loopback port, short timeouts (so a hang shows within seconds), file storage, and the
 * accounts the grammars log in with.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { appendToFolder, hashPassword, type AccountKey } from '../../core/index.js';
import { loadPlugin } from '../../core/kernel/plugin-loader.js';
import { openConfiguredStorage } from '../../core/kernel/storage-open.js';
import { CLI } from '../helpers/cli-process.js';

/** The accounts every fuzzed server has; the grammars use them and a probe checks them afterwards. */
export const FUZZ_DOMAIN = 'fuzz.test';
export const FUZZ_PASSWORD = 'fuzz secret';
/** Logged into (and its mail read and deleted) by fuzz cases. */
export const FUZZ_USER = 'alice';
/** Used only by the well-formed session after the run, so no fuzz case holds or locks it. */
export const PROBE_USER = 'probe';
export const FUZZ_ADMIN = { name: 'fuzzadmin', password: 'fuzz admin secret' };

export interface FuzzHome {
  dir: string;
  configFile: string;
  remove(): Promise<void>;
}

export interface FuzzHomeOptions {
  /** `plugins.<name>` settings, as in a config file. */
  plugins: Record<string, unknown>;
  /** `front` keeps accepted mail in the queue, so no delivery (and no DNS) happens during a run. */
  role?: 'front' | 'all';
}

export async function createFuzzHome(options: FuzzHomeOptions): Promise<FuzzHome> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mw-fuzz-'));
  const listen: Record<string, string> = {};
  for (const name of Object.keys(options.plugins))
    for (const listener of Object.keys((await loadPlugin(name, process.cwd())).listeners ?? {}))
      listen[listener] = '127.0.0.1:0';
  const config = {
    home: dir,
    storage: `file:${path.join(dir, 'store')}`,
    role: options.role ?? 'all',
    // Lockouts stay on (they are part of the login parsers' paths) but end quickly, so that the
    // fuzzer's wrong passwords do not keep its right ones out for the rest of the run.
    lockout: { threshold: 5, intervalSeconds: 1 },
    logging: { level: 'warn' },
    shutdownTimeoutMs: 5_000,
    plugins: options.plugins,
    listen,
  };
  const configFile = path.join(dir, 'mailwright.json');
  await writeFile(configFile, JSON.stringify(config, null, 2));
  await addAccounts(config.storage, dir);
  await promisify(execFile)(process.execPath, [
    CLI,
    'admin',
    'add',
    FUZZ_ADMIN.name,
    FUZZ_ADMIN.password,
    '--config',
    configFile,
  ]);
  return { dir, configFile, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** The fuzz domain, both users, and a few messages in each INBOX (one with dots and 8-bit text). */
async function addAccounts(storageUrl: string, dir: string): Promise<void> {
  const storage = await openConfiguredStorage({ storage: storageUrl }, dir, dir);
  try {
    await storage.domains.addDomain(FUZZ_DOMAIN);
    const hash = await hashPassword(FUZZ_PASSWORD);
    for (const name of [FUZZ_USER, PROBE_USER]) {
      const key: AccountKey = { domain: FUZZ_DOMAIN, name };
      await storage.accounts.addAccount({
        ...key,
        kind: 'user',
        credential: { scheme: 'scrypt', hash },
        vars: [],
      });
      for (const body of MESSAGES) await appendToFolder(storage, key, 'INBOX', Buffer.from(body, 'latin1'));
    }
  } finally {
    await storage.close();
  }
}

const MESSAGES = [
  'From: a@remote.test\r\nSubject: one\r\n\r\nHello\r\n',
  'From: b@remote.test\nSubject: dots\n\n.leading dot\n..two\n.\nGr\xfc\xdfe\nno final newline',
  `From: c@remote.test\r\nSubject: long\r\n\r\n${`${'x'.repeat(70)}\r\n`.repeat(200)}`,
];
