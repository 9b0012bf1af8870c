import {
  DEFAULT_LISTEN_HOST,
  LISTENER_NAME_PATTERN,
  type ListenAddress,
  type ListenerDeclaration,
} from '../config/listen.js';
import type { Plugin } from './plugin.js';
import { KernelError } from './plugin-order.js';

/**
 * The listeners the loaded plugins declare, each with its owner and default address. It is the
 * only list of listener names: a third-party plugin's listener (LMTP, ManageSieve ...) is
 * configured exactly like a built-in one.
 */
export class ListenerRegistry {
  private readonly declared = new Map<string, { plugin: string; address: ListenAddress }>();

  /** Throws KernelError when two plugins declare the same name: one port cannot serve both. */
  constructor(plugins: readonly Plugin<unknown>[]) {
    for (const plugin of plugins) {
      for (const [name, { port, host }] of Object.entries(plugin.listeners ?? {})) {
        const owner = this.declared.get(name)?.plugin;
        if (owner !== undefined) {
          throw new KernelError(`plugins "${owner}" and "${plugin.name}" both declare a "${name}" listener`);
        }
        this.declared.set(name, {
          plugin: plugin.name,
          address: { host: host ?? DEFAULT_LISTEN_HOST, port },
        });
      }
    }
  }

  /**
   * Problems with configured listener names (`where(name)` says where each was set): a name no
   * loaded plugin declares is a typo or a plugin left out, and would otherwise be ignored silently.
   */
  unknown(names: Iterable<string>, where: (name: string) => string): string[] {
    const known = [...this.declared.keys()].join(', ') || 'none';
    return [...names]
      .filter((name) => !this.declared.has(name))
      .map((name) => `${where(name)}: no loaded plugin declares a "${name}" listener (known: ${known})`);
  }

  /**
   * The default address of one of `plugin`'s listeners. A plugin that opens a listener it did not
   * declare has a bug: its address could not be configured, and `--listen` would refuse its name.
   */
  defaultAddress(plugin: string, name: string): ListenAddress {
    const entry = this.declared.get(name);
    if (entry?.plugin !== plugin) {
      throw new KernelError(
        `plugin "${plugin}" opens a "${name}" listener it does not declare in \`listeners\``,
      );
    }
    return entry.address;
  }
}

/** What is wrong with a plugin's `listeners` declaration, for the plugin shape check. */
export function listenerDeclarationProblems(listeners: unknown): string[] {
  if (typeof listeners !== 'object' || listeners === null || Array.isArray(listeners)) {
    return ['`listeners` must be an object: { name: { port, host? } }'];
  }
  return Object.entries(listeners as Record<string, unknown>).flatMap(([name, value]) => {
    const problems: string[] = [];
    if (!LISTENER_NAME_PATTERN.test(name)) {
      problems.push(`listener "${name}": a name is lower-case words joined by dashes`);
    }
    const { port, host } = (value ?? {}) as Partial<ListenerDeclaration>;
    if (!Number.isInteger(port) || (port as number) < 0 || (port as number) > 65535) {
      problems.push(`listener "${name}": \`port\` must be an integer from 0 to 65535`);
    }
    if (host !== undefined && (typeof host !== 'string' || host === '')) {
      problems.push(`listener "${name}": \`host\` must be a non-empty string`);
    }
    return problems;
  });
}
