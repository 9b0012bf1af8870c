import path from 'node:path';
import { ConfigError } from '../config/errors.js';
import { parseListenFlag, type ListenAddress, type ListenerName } from '../config/listen.js';
import { loadConfigFile, type LoadedConfig } from '../config/load.js';
import type { Role } from '../kernel/plugin.js';
import { Kernel } from '../kernel/kernel.js';

export interface StartOptions {
  home?: string;
  config?: string;
  role?: Role;
  listen?: string[];
}

/** Loads the config (or the embedded default), applies command-line flags. */
export async function resolveConfig(opts: { config?: string }): Promise<LoadedConfig> {
  if (opts.config) return loadConfigFile(opts.config);
  return { config: {}, source: '(embedded default)', baseDir: process.cwd() };
}

function parseListenFlags(flags: string[] = []): Partial<Record<ListenerName, ListenAddress>> {
  const problems: string[] = [];
  const listen: Partial<Record<ListenerName, ListenAddress>> = {};
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
 * `mailwright start`: runs until SIGINT/SIGTERM, then drains and stops within the shutdown timeout.
 * The signal handlers are installed before anything starts, so a signal during start-up still
 * stops whatever was started (the embedded redis-server included).
 */
export async function startCommand(opts: StartOptions, version: string): Promise<void> {
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

  const loaded = await resolveConfig(opts);
  const kernel = await Kernel.create({
    config: loaded.config,
    source: loaded.source,
    baseDir: loaded.baseDir,
    home: opts.home ? path.resolve(opts.home) : undefined,
    role: opts.role,
    listen: parseListenFlags(opts.listen),
  });
  await kernel.start();

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
  await kernel.stop();
  process.stdout.write('mailwright stopped\n');
}
