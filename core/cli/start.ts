import path from 'node:path';
import { ConfigError } from '../config/errors.js';
import { parseListenFlag, type ListenAddress } from '../config/listen.js';
import { loadConfigFile, type LoadedConfig } from '../config/load.js';
import type { Role } from '../kernel/plugin.js';
import { Kernel } from '../kernel/kernel.js';
import { ExitedBeforeReady, SupervisedProcesses } from './supervised-processes.js';

export interface StartOptions {
  home?: string;
  config?: string;
  role?: Role;
  listen?: string[];
  /** false (`--no-supervise`): run the front in this process, with no supervising parent. */
  supervise?: boolean;
}

/**
 * Set by a parent `mailwright start` for its children: the supervised front process, and its worker
 * processes. Passed in the environment rather than as arguments because arguments are visible to
 * every user in `ps`, and a Redis URL may carry a password.
 */
const SUPERVISED_ENV = 'MAILWRIGHT_SUPERVISED';
const FRONT_REDIS_ENV = 'MAILWRIGHT_FRONT_REDIS_URL';

/** Loads the config (or the embedded default), applies command-line flags. */
export async function resolveConfig(opts: { config?: string }): Promise<LoadedConfig> {
  if (opts.config) return loadConfigFile(opts.config);
  return { config: {}, source: '(embedded default)', baseDir: process.cwd() };
}

function parseListenFlags(flags: string[] = []): Record<string, ListenAddress> {
  const problems: string[] = [];
  const listen: Record<string, ListenAddress> = {};
  for (const flag of flags) {
    try {
      const [name, address] = parseListenFlag(flag);
      listen[name] = address;
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (problems.length > 0) throw new ConfigError('command line', problems);
  return listen;
}

/**
 * `mailwright start`. Unless this is a worker, or `--no-supervise` is given, this process becomes a
 * small supervisor that runs the front in a child process and starts it again if it dies (a crash
 * must not leave the mail service down until someone notices); the child runs `runServer`.
 */
export async function startCommand(opts: StartOptions, version: string): Promise<void> {
  const supervised = process.env[SUPERVISED_ENV] === '1';
  if (opts.role === 'worker' || opts.supervise === false || supervised) return runServer(opts, version);
  await superviseFront();
}

/**
 * The supervisor: passes the front's output on unchanged, forwards SIGINT/SIGTERM as SIGTERM, and
 * exits with the front's code when it fails to start or stops by itself with code 0.
 */
async function superviseFront(): Promise<void> {
  const front = new SupervisedProcesses({
    count: 1,
    args: [...process.execArgv, ...process.argv.slice(1)],
    env: { [SUPERVISED_ENV]: '1' },
    label: () => 'front process',
    prefixOutput: false,
    restart: 'failure',
    readyTimeoutMs: 120_000,
    // The front bounds its own stop by shutdownTimeoutMs; this only catches a front that hangs.
    stopTimeoutMs: 120_000,
    out: process.stdout,
    err: process.stderr,
  });
  let stopping = false;
  const stop = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) {
      process.stderr.write(`${signal} again: killing the front process without waiting\n`);
      for (const pid of front.pids) process.kill(pid, 'SIGKILL');
      process.exit(1);
    }
    stopping = true;
    await front.stop();
    process.exit(0);
  };
  process.on('SIGINT', (signal) => void stop(signal));
  process.on('SIGTERM', (signal) => void stop(signal));
  try {
    await front.start();
  } catch (err) {
    // The front printed why (bad config, a port in use): its exit code is ours.
    process.exit(err instanceof ExitedBeforeReady ? (err.code ?? 1) : 1);
  }
  process.exit(await front.stoppedOnItsOwn());
}

/**
 * The server itself: runs until SIGINT/SIGTERM, then drains and stops within the shutdown timeout.
 * The signal handlers are installed before anything starts, so a signal during start-up still
 * stops whatever was started (the embedded redis-server included).
 */
async function runServer(opts: StartOptions, version: string): Promise<void> {
  let signalled: NodeJS.Signals | undefined;
  let wake: () => void = () => undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      process.stderr.write(`${signal} again: exiting without waiting\n`);
      process.exit(1);
    }
    signalled = signal;
    wake();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A process started by a supervisor or a front process stops when that process is gone.
  if (process.channel) {
    process.channel.unref(); // the channel alone must not keep the process alive after stop
    process.once('disconnect', () => onSignal('SIGTERM'));
  }

  const loaded = await resolveConfig(opts);
  const workerCount = (opts.role ?? loaded.config.role) === 'worker' ? 0 : (loaded.config.workers ?? 0);
  const kernel = await Kernel.create({
    config: loaded.config,
    source: loaded.source,
    baseDir: loaded.baseDir,
    home: opts.home ? path.resolve(opts.home) : undefined,
    role: workerCount > 0 ? 'front' : opts.role,
    listen: parseListenFlags(opts.listen),
    redisUrl: process.env[FRONT_REDIS_ENV],
  });
  await kernel.start();
  let workers: SupervisedProcesses | undefined;
  if (workerCount > 0 && !signalled) {
    workers = workerProcessesFor(kernel, opts, workerCount);
    try {
      await workers.start();
    } catch (err) {
      await kernel.stop();
      throw err;
    }
  }

  if (!signalled) {
    const out = process.stdout;
    out.write(`mailwright ${version}: role ${kernel.role}, home ${kernel.home}, config ${loaded.source}\n`);
    out.write(`plugins: ${kernel.pluginNames.join(', ')}\n`);
    for (const { name, address, plugin } of kernel.listeners) {
      out.write(`  ${name.padEnd(16)} ${`${address.host}:${address.port}`.padEnd(22)} (${plugin})\n`);
    }
    out.write(`mailwright ready (pid ${process.pid})\n`);
    await new Promise<void>((resolve) => (wake = resolve));
  }
  process.stdout.write(`${signalled}: draining connections and stopping\n`);
  // Workers first: they use the Redis (possibly the embedded one) that kernel.stop() closes.
  await workers?.stop();
  await kernel.stop();
  process.stdout.write('mailwright stopped\n');
}

/**
 * The worker processes of a front process: the same CLI, config and home, role worker, this
 * process's Redis (the embedded one too), and every listener this process announced moved to a
 * free port, so a plugin that listens in every role (admin-http's /metrics) does not collide.
 */
function workerProcessesFor(kernel: Kernel, opts: StartOptions, count: number): SupervisedProcesses {
  const redisUrl = kernel.redisUrl;
  if (!redisUrl)
    throw new ConfigError('workers', ['no loaded plugin uses Redis, so there is no queue to work']);
  const args = [
    ...process.execArgv,
    process.argv[1],
    'start',
    '--role',
    'worker',
    '--home',
    kernel.home,
    ...(opts.config ? ['--config', path.resolve(opts.config)] : []),
    ...kernel.listeners.flatMap(({ name, address }) => ['--listen', `${name}=${hostPart(address.host)}:0`]),
  ];
  return new SupervisedProcesses({
    count,
    args,
    env: { [FRONT_REDIS_ENV]: redisUrl },
    label: (index) => `worker ${index}`,
    prefixOutput: true,
    restart: 'any',
    readyTimeoutMs: 60_000,
    stopTimeoutMs: kernel.shutdownTimeoutMs + 5_000,
    out: process.stdout,
    err: process.stderr,
  });
}

function hostPart(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
