import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

/** Where every benchmark writes its JSON results and CPU profiles (not committed). */
export const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));

/** Progress goes to stderr; the table to stdout. */
export const log = (line) => process.stderr.write(`${line}\n`);

/** The servers MW_BENCH_ONLY names (`a,b`), or all of them. */
export function selectedServers(servers) {
  const only = process.env.MW_BENCH_ONLY?.split(',').map((id) => id.trim());
  return servers.filter((server) => !only || only.includes(server.id));
}

/** Writes `{ date, ...report }` to bench/results/<bench>-<date>.json; resolves the file's path. */
export async function writeResults(bench, report) {
  await mkdir(RESULTS_DIR, { recursive: true });
  const date = new Date().toISOString();
  const file = path.join(RESULTS_DIR, `${bench}-${date.replace(/[:.]/g, '-')}.json`);
  await writeFile(file, JSON.stringify({ date, ...report }, null, 2) + '\n');
  return file;
}
