/**
 * Launches and stops a private `redis-server` (tests, the embedded single-host setup, benchmarks).
 *
 * The server listens on a unix socket inside `dir` and keeps its AOF there. `url` uses the form
 * `unix:///absolute/path/to/redis.sock` (optionally `?db=N`). ioredis 6 has no URL scheme for unix
 * sockets (its parser only takes a bare absolute path such as `/tmp/x/redis.sock?db=2`, and
 * `redis://` always means host:port/db), so `redisOptionsFromUrl` turns either form into ioredis
 * options. When a TCP port is asked for, the server also binds 127.0.0.1:<port> and `url` is
 * `redis://127.0.0.1:<port>` so clients that know only TCP (Python, BullMQ examples) can use it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

export interface RedisProcess {
  url: string;
  socketPath: string;
  pid: number;
  /** Shuts the server down (SIGTERM, SIGKILL after 5 s) and resolves once it has exited. Idempotent. */
  stop(): Promise<void>;
}

export interface StartRedisOptions {
  /** Working directory: AOF files and (when the path is short enough) the socket live here. */
  dir: string;
  /** Default false. When true the AOF is fsynced on every write (`appendfsync always`). */
  appendOnly?: boolean;
  /** TCP port on 127.0.0.1; default none (`--port 0`, unix socket only). */
  port?: number;
}

/** The options ioredis takes for one connection target. */
export interface RedisConnectionOptions {
  path?: string;
  host?: string;
  port?: number;
  db?: number;
  username?: string;
  password?: string;
  tls?: Record<string, never>;
}

const READY_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 5_000;
/** sun_path holds 108 bytes including the terminating NUL; keep a margin. */
const MAX_SOCKET_PATH_BYTES = 100;
const MISSING_BINARY =
  'redis-server is not installed: run "apt-get install -y redis-server" (Debian) or set redis.url in the config';

/** Every server still running, killed synchronously if the parent exits without stopping them. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

export async function startRedisServer(opts: StartRedisOptions): Promise<RedisProcess> {
  let socketPath = join(opts.dir, 'redis.sock');
  let socketDir: string | undefined;
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH_BYTES) {
    // The kernel refuses unix socket paths over 107 bytes: a deep `dir` gets its socket in a short
    // private directory under os.tmpdir() instead (removed again by stop()); the data stays in `dir`.
    socketDir = await mkdtemp(join(tmpdir(), 'mw-redis-'));
    socketPath = join(socketDir, 'redis.sock');
  }

  // A server left behind by a process that was killed (SIGKILL skips the exit hook) still owns the
  // AOF in `dir`: a second one there would corrupt it, so the old one is stopped first.
  const pidFile = join(opts.dir, 'redis-server.pid');
  await stopLeftoverServer(pidFile);

  const args = [
    '--pidfile',
    pidFile,
    '--port',
    String(opts.port ?? 0),
    '--unixsocket',
    socketPath,
    '--unixsocketperm',
    '700',
    '--dir',
    opts.dir,
    '--save',
    '',
    '--appendonly',
    opts.appendOnly ? 'yes' : 'no',
    ...(opts.appendOnly ? ['--appendfsync', 'always'] : []),
    '--maxmemory-policy',
    'noeviction',
    '--daemonize',
    'no',
    '--logfile',
    '',
  ];
  if (opts.port !== undefined) args.push('--bind', '127.0.0.1');

  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = collectOutput(child);
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // 'close' (not 'exit') so that redis's last words are in `output` when startup fails.
  let exited = false;
  child.once('close', () => (exited = true));
  let spawnError: Error | undefined;
  child.once('error', (err: NodeJS.ErrnoException) => {
    spawnError = err.code === 'ENOENT' ? new Error(MISSING_BINARY) : err;
  });
  running.add(child);
  installExitHook();
  // The server must not keep a test process alive; the exit hook above reaps it.
  child.unref();
  unrefStream(child.stdout);
  unrefStream(child.stderr);

  const cleanupSocketDir = async (): Promise<void> => {
    if (socketDir) await rm(socketDir, { recursive: true, force: true });
  };

  try {
    await waitForPing(
      socketPath,
      () => {
        if (spawnError) throw spawnError;
        if (exited) throw new Error(`redis-server exited during startup:\n${output()}`);
      },
      output,
    );
  } catch (err) {
    child.kill('SIGKILL');
    running.delete(child);
    await cleanupSocketDir();
    throw err;
  }

  let stopping: Promise<void> | undefined;
  return {
    url: opts.port !== undefined ? `redis://127.0.0.1:${opts.port}` : `unix://${socketPath}`,
    socketPath,
    pid: child.pid as number,
    stop: () => {
      stopping ??= stopChild(child, exit).then(cleanupSocketDir);
      return stopping;
    },
  };
}

/** Stops the redis-server named in `pidFile` if it still runs (and is a redis-server). */
async function stopLeftoverServer(pidFile: string): Promise<void> {
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 0) return;
  const isRedis = async (): Promise<boolean> =>
    (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).startsWith('redis-server');
  if (!(await isRedis())) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + STOP_GRACE_MS;
  while ((await isRedis()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  if (await isRedis()) process.kill(pid, 'SIGKILL');
  while (await isRedis()) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** Parses `redis://`, `rediss://`, `unix:///path` or a bare `/path` into ioredis options. */
export function redisOptionsFromUrl(url: string): RedisConnectionOptions {
  if (url.startsWith('/')) url = `unix://${url}`;
  const parsed = new URL(url);
  const db = parsed.searchParams.get('db');
  const options: RedisConnectionOptions = {};
  if (parsed.username) options.username = decodeURIComponent(parsed.username);
  if (parsed.password) options.password = decodeURIComponent(parsed.password);
  switch (parsed.protocol) {
    case 'unix:':
      options.path = decodeURIComponent(parsed.pathname);
      if (db) options.db = Number(db);
      return options;
    case 'redis:':
    case 'rediss:': {
      if (parsed.protocol === 'rediss:') options.tls = {};
      options.host = parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
      options.port = parsed.port ? Number(parsed.port) : 6379;
      const pathDb = parsed.pathname.replace(/^\//, '');
      if (pathDb || db) options.db = Number(pathDb || db);
      return options;
    }
    default:
      throw new Error(
        `unsupported Redis URL ${JSON.stringify(url)}: use redis://host:port/db or unix:///path/to/socket`,
      );
  }
}

/** Pipes from a child are net.Sockets underneath; their handles would otherwise keep the parent alive. */
function unrefStream(stream: Readable | null): void {
  (stream as (Readable & { unref?: () => void }) | null)?.unref?.();
}

function collectOutput(child: ChildProcess): () => string {
  const LIMIT = 8192;
  let text = '';
  const keep = (chunk: Buffer): void => {
    text = (text + chunk.toString('utf8')).slice(-LIMIT);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => text.trim();
}

/** Polls with PING until the server answers; `checkAlive` throws once the process is known dead. */
async function waitForPing(socketPath: string, checkAlive: () => void, output: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    checkAlive();
    if (await pingOnce(socketPath)) return;
    if (Date.now() > deadline) {
      throw new Error(
        `redis-server did not answer PING on ${socketPath} within ${READY_TIMEOUT_MS / 1000} s:\n${output()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** One inline PING over the socket; true on `+PONG`. (Loading an AOF answers `-LOADING`, i.e. not ready.) */
function pingOnce(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(socketPath);
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    // SIGTERM is redis's orderly shutdown: it flushes and fsyncs the AOF; no RDB since `--save ''`.
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }
  running.delete(child);
}
