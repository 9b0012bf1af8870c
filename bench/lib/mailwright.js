import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { RESULTS_DIR } from './run.js';
import { startProcess } from './processes.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** Compiled code: dist/ (npm run build) unless MW_BENCH_BUILD names another tsc output dir. */
const BUILD = path.resolve(REPO, process.env.MW_BENCH_BUILD ?? 'dist');

/** A module of the compiled Mailwright (`storage-adapters/file/index.js`, `core/index.js` ...). */
export async function compiled(relative) {
  return import(pathToFileURL(path.join(BUILD, relative)).href);
}

/**
 * `mailwright start --config <dir>/mailwright.yaml` as its own process, the config being `lines`,
 * resolved once it prints its ready line. With MW_BENCH_CPU_PROF=1 every Mailwright process (the
 * front one and its delivery workers, which inherit node's flags) writes a V8 CPU profile into
 * `profileDir`, bench/results/<bench>-mailwright-<time>/, when it stops (node names each file
 * after its pid); `cpuProfile` says so for one start (a bench that starts Mailwright several
 * times profiles only the start that runs its timed load).
 */
export async function startMailwrightProcess({
  dir,
  bench,
  lines,
  cpuProfile = process.env.MW_BENCH_CPU_PROF === '1',
}) {
  const config = path.join(dir, 'mailwright.yaml');
  await writeFile(config, [...lines, ''].join('\n'));
  const cli = process.env.MW_BENCH_BUILD
    ? path.join(BUILD, 'core/cli/main.js')
    : path.join(REPO, 'bin/mailwright.js');
  const profileDir = cpuProfile ? path.join(RESULTS_DIR, `${bench}-mailwright-${Date.now()}`) : undefined;
  const profile = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  const server = startProcess(
    'mailwright',
    process.execPath,
    [...profile, cli, 'start', '--config', config],
    {
      cwd: dir,
    },
  );
  await server.waitForOutput(/^mailwright ready/m, 60_000);
  return { server, profileDir };
}
