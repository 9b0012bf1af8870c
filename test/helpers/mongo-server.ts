import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { MongoClient } from 'mongodb';
import { freePort } from './free-port.js';

export interface MongoServer {
  /** A `mongodb://` URL whose path names a database nobody else uses. */
  uri: string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;
const FERRETDB_POOL_SIZE = 4;

/**
 * A MongoDB-compatible server for tests. With MONGODB_URI set, that server is used with a fresh
 * database (dropped by stop()); otherwise a private FerretDB (SQLite backend, telemetry off, no
 * debug listener) runs on a free loopback port with its data in a temp dir.
 */
export async function startMongo(): Promise<MongoServer> {
  const database = `mw_test_${randomBytes(6).toString('hex')}`;
  const external = process.env.MONGODB_URI;
  if (external) {
    const uri = withDatabase(external, database);
    return { uri, stop: () => dropDatabase(uri) };
  }
  return startFerretDb(database);
}

/** The same server URL with another database in its path, query string kept. */
export function withDatabase(uri: string, database: string): string {
  const url = new URL(uri);
  url.pathname = `/${database}`;
  return url.toString();
}

async function startFerretDb(database: string): Promise<MongoServer> {
  const { stdout } = await promisify(execFile)(await ferretDbScript(), ['path'], {
    timeout: 15 * 60_000,
  });
  const binary = stdout.trim();
  const stateDir = await mkdtemp(join(tmpdir(), 'mw-ferretdb-'));
  await mkdir(join(stateDir, 'data'));
  const port = await freePort();
  const child = spawn(
    binary,
    [
      '--handler=sqlite',
      `--sqlite-url=file:${stateDir}/data/`,
      `--state-dir=${stateDir}`,
      `--listen-addr=127.0.0.1:${port}`,
      '--debug-addr=-',
      '--telemetry=disable',
      '--log-level=WARN',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (data: Buffer) => {
    stderr = (stderr + data.toString()).slice(-8000);
  });
  let stopping = false;
  // A server that dies mid-test would otherwise show up only as connection errors.
  child.once('exit', (code, signal) => {
    if (!stopping) process.stderr.write(`FerretDB exited unexpectedly (${code ?? signal}):\n${stderr}\n`);
  });
  const stop = async (): Promise<void> => {
    stopping = true;
    await killChild(child);
    await rm(stateDir, { recursive: true, force: true });
  };
  try {
    await waitForPing(`mongodb://127.0.0.1:${port}/`, child, () => stderr);
  } catch (error) {
    await stop();
    throw error;
  }
  // A small pool: FerretDB 1.x on SQLite serialises writes anyway, and with the driver's default
  // of 100 connections waiting on SQLite's lock it answered SQLITE_BUSY and then crashed.
  return { uri: `mongodb://127.0.0.1:${port}/${database}?maxPoolSize=${FERRETDB_POOL_SIZE}`, stop };
}

/** scripts/ferretdb.sh, found upwards from this file (it runs from test/ or from a build dir). */
async function ferretDbScript(): Promise<string> {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'scripts', 'ferretdb.sh');
    try {
      await access(candidate);
      return candidate;
    } catch {
      if (dirname(dir) === dir) throw new Error('scripts/ferretdb.sh not found above ' + import.meta.url);
      dir = dirname(dir);
    }
  }
}

async function waitForPing(uri: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `FerretDB exited (${child.exitCode ?? child.signalCode}) before answering ping:\n${stderr()}`,
      );
    }
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 500, connectTimeoutMS: 500 });
    try {
      await client.db('admin').command({ ping: 1 });
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        throw new Error(`FerretDB did not answer ping within ${READY_TIMEOUT_MS} ms:\n${stderr()}`, {
          cause: error,
        });
      }
    } finally {
      await client.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Drops the database a `mongodb://` URL names. */
export async function dropDatabase(uri: string): Promise<void> {
  const client = new MongoClient(uri);
  try {
    await client.db().dropDatabase();
  } finally {
    await client.close();
  }
}
