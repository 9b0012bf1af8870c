import type { DependencyContainer } from 'tsyringe';
import type { Logger } from 'pino';
import type { StandardSchemaV1 } from '../config/standard-schema.js';
import type { HookBus } from './hooks.js';
import type { Metrics } from '../runtime/metrics.js';
import type { ListenAddress, ListenerDeclaration } from '../config/listen.js';

export type Role = 'front' | 'worker' | 'all';

/** Infrastructure the kernel provides to the plugins that ask for it. */
export type KernelService = 'storage' | 'redis';

/** What a plugin gets when it starts. */
export interface PluginContext<C = unknown> {
  readonly name: string;
  readonly config: C;
  /** The kernel's own child container: services registered here are invisible to other kernels. */
  readonly container: DependencyContainer;
  readonly hooks: HookBus;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly role: Role;
  /** The data directory (`--home`). */
  readonly home: string;
  /** True when this process runs that role (`all` runs both). */
  runs(role: 'front' | 'worker'): boolean;
  /** Where one of this plugin's declared listeners must listen (`--listen`, config, or its default). */
  listenAddress(name: string): ListenAddress;
  /** Records where a listener really listens (port 0 resolved), for the start-up report. */
  announce(name: string, address: ListenAddress): void;
  /** Aborted when the shutdown drain time is over: close whatever is still open, now. */
  readonly shutdownSignal: AbortSignal;
}

/**
 * A Mailwright plugin. Built-ins and third-party packages use the same shape; `definePlugin`
 * only gives it types.
 */
export interface Plugin<C = unknown> {
  name: string;
  version: string;
  /** Plugin names (or capabilities another plugin `provides`) that must start before this one. */
  dependsOn?: string[];
  /** Capabilities this plugin offers under other names, for `dependsOn`. */
  provides?: string[];
  /** Kernel services this plugin needs (the kernel starts Redis only if some plugin asks for it). */
  needs?: KernelService[];
  /**
   * The listeners this plugin opens, by name, with their default addresses:
   * `{ lmtp: { port: 2424 } }` (host 127.0.0.1 unless given). `listen.NAME` in the config and
   * `--listen NAME=HOST:PORT` are accepted only for names a loaded plugin declares here, and no two
   * plugins may declare the same name.
   */
  listeners?: Readonly<Record<string, ListenerDeclaration>>;
  /** Any Standard Schema (zod 4, valibot, arktype ...). Unknown keys must be errors: use a strict object. */
  configSchema?: StandardSchemaV1<unknown, C>;
  /**
   * Registers the services this plugin offers into the kernel's container. It runs for every plugin
   * before any starts and after the kernel's infrastructure is open (`Tokens.Storage`,
   * `Tokens.Redis` when some plugin `needs` them, and the core services), so any plugin can resolve
   * these services in its `start` whatever the order, and an optional service is simply registered
   * or not. The rule: register builds objects and acquires nothing that needs this plugin's stop
   * handler to release it (a stop handler exists only once `start` ran); Redis clients from
   * `RedisService.client()` are fine, the kernel closes them. The services may be used once this
   * plugin has started: depend on it (`dependsOn`) to use them from the start of your own.
   */
  register?(container: DependencyContainer, config: C): void | Promise<void>;
  /**
   * Start serving. Return a stop handler that stops accepting work, drains and releases what this
   * start acquired; the kernel calls it in reverse start order. Keeping state in the closure (not
   * in module variables) is what lets two kernels in one process share nothing.
   */
  start?(ctx: PluginContext<C>): void | StopHandler | Promise<void | StopHandler>;
}

export type StopHandler = () => void | Promise<void>;

export function definePlugin<C = unknown>(plugin: Plugin<C>): Plugin<C> {
  return plugin;
}
