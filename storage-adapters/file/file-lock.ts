/**
 * Mutual exclusion between the processes sharing one mail root on one host: a lock file created
 * with O_EXCL that holds the owner's PID. A lock whose owner is no longer running is stale and is
 * broken (under a short-lived breaker lock, so two waiters never break the same lock twice).
 * Inside one process, waiters for the same lock queue on a promise chain instead of polling.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { FileModes } from './modes.js';

const inProcess = new Map<string, Promise<unknown>>();
const BREAKER_STALE_MS = 10_000;

/** `modes`: for the lock file and, the first time, its directory. */
export async function withLock<T>(lockFile: string, modes: FileModes, fn: () => Promise<T>): Promise<T> {
  const previous = inProcess.get(lockFile) ?? Promise.resolve();
  const run = previous.then(
    () => holdFileLock(lockFile, modes, fn),
    () => holdFileLock(lockFile, modes, fn),
  );
  const tail = run.catch(() => undefined);
  inProcess.set(lockFile, tail);
  void tail.then(() => {
    if (inProcess.get(lockFile) === tail) inProcess.delete(lockFile);
  });
  return run;
}

async function holdFileLock<T>(lockFile: string, modes: FileModes, fn: () => Promise<T>): Promise<T> {
  await acquire(lockFile, modes);
  try {
    return await fn();
  } finally {
    await fs.rm(lockFile, { force: true });
  }
}

async function tryCreate(lockFile: string, modes: FileModes): Promise<boolean> {
  try {
    await fs.writeFile(lockFile, `${process.pid}\n`, { flag: 'wx', mode: modes.file });
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code === 'ENOENT') {
      await fs.mkdir(path.dirname(lockFile), { recursive: true, mode: modes.dir });
      return false;
    }
    throw err;
  }
}

async function acquire(lockFile: string, modes: FileModes): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    if (await tryCreate(lockFile, modes)) return;
    if (attempt % 20 === 19) await breakIfStale(lockFile, modes);
    await sleep(Math.min(1 + attempt, 25) * (0.5 + Math.random()));
  }
}

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function ownerOf(lockFile: string): Promise<number | null> {
  try {
    const pid = Number.parseInt(await fs.readFile(lockFile, 'utf8'), 10);
    return Number.isInteger(pid) ? pid : null;
  } catch {
    return null;
  }
}

async function breakIfStale(lockFile: string, modes: FileModes): Promise<void> {
  const owner = await ownerOf(lockFile);
  // An empty lock file is one being written right now, or one whose writer died in between: only
  // the age tells them apart.
  if (owner !== null && isRunning(owner)) return;
  if (owner === null && !(await olderThan(lockFile, BREAKER_STALE_MS))) return;
  const breaker = `${lockFile}.break`;
  if (!(await tryCreate(breaker, modes))) {
    if (await olderThan(breaker, BREAKER_STALE_MS)) await fs.rm(breaker, { force: true });
    return;
  }
  try {
    if ((await ownerOf(lockFile)) === owner) await fs.rm(lockFile, { force: true });
  } finally {
    await fs.rm(breaker, { force: true });
  }
}

async function olderThan(file: string, ms: number): Promise<boolean> {
  try {
    return Date.now() - (await fs.stat(file)).mtimeMs > ms;
  } catch {
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
