import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import process from 'node:process';
import { runCommand } from './processes.js';

/**
 * Installs a Debian package unless `binary` exists already. `preseed` lines go to
 * debconf-set-selections first so the install asks nothing (Postfix's "General type of mail
 * configuration" question, say).
 */
export async function ensureAptPackage({ pkg, binary, preseed = [] }) {
  if (existsSync(binary)) return;
  process.stderr.write(`${binary} is missing: installing the Debian package ${pkg}...\n`);
  if (preseed.length > 0) {
    const { spawnSync } = await import('node:child_process');
    const result = spawnSync('debconf-set-selections', { input: preseed.join('\n') + '\n' });
    if (result.status !== 0) throw new Error(`debconf-set-selections failed: ${result.stderr}`);
  }
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  let result = await runCommand('apt-get', ['install', '-y', '--no-install-recommends', pkg], { env });
  if (result.code !== 0) {
    // A fresh container has no package lists yet.
    await runCommand('apt-get', ['update'], { env });
    result = await runCommand('apt-get', ['install', '-y', '--no-install-recommends', pkg], { env });
  }
  if (result.code !== 0 || !existsSync(binary)) {
    throw new Error(`apt-get install ${pkg} failed (run it as root?):\n${result.stderr.slice(-2000)}`);
  }
}

/**
 * Installs an npm package into its own prefix (never the project's node_modules) unless
 * `marker` (a file the package ships) exists there already.
 */
export async function ensureNpmPackage({ prefix, spec, marker }) {
  if (existsSync(marker)) return;
  process.stderr.write(`installing ${spec} into ${prefix}...\n`);
  await mkdir(prefix, { recursive: true });
  const result = await runCommand('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', spec]);
  if (result.code !== 0 || !existsSync(marker)) {
    throw new Error(`npm install ${spec} failed:\n${result.stderr.slice(-2000)}`);
  }
}
