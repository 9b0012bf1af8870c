import { Kernel, Tokens, type Plugin, type Storage } from '../../core/index.js';
import { mailwrightConfigSchema } from '../../core/config/schema.js';
import { quietLogger } from './logger.js';

export interface TestKernel {
  kernel: Kernel;
  storage: Storage;
  /** The real port of a listener (the config asks for port 0). */
  port(listener: string): number;
}

/**
 * A kernel started in this process from a config object as a config file would hold it (listen
 * addresses as strings), with its data in `home` and quiet logs.
 */
export async function startTestKernel(
  config: unknown,
  home: string,
  plugins: Plugin[] = [],
): Promise<TestKernel> {
  const kernel = await Kernel.create({
    config: mailwrightConfigSchema.parse(config),
    plugins,
    home,
    logger: quietLogger(),
  });
  await kernel.start();
  return {
    kernel,
    storage: kernel.container.resolve(Tokens.Storage),
    port(listener: string): number {
      const found = kernel.listeners.find((entry) => entry.name === listener);
      if (!found) throw new Error(`no ${listener} listener`);
      return found.address.port;
    },
  };
}

/** A config's `listen:` with each named listener on a free loopback port (the kernel binds port 0). */
export function onFreePorts(...names: string[]): Record<string, string> {
  return Object.fromEntries(names.map((name) => [name, '127.0.0.1:0']));
}
