import 'reflect-metadata';
import path from 'node:path';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import type { Logger } from 'pino';
import { ConfigError, describeIssues } from '../config/errors.js';
import type { ListenAddress } from '../config/listen.js';
import type { MailwrightConfig } from '../config/schema.js';
import type { Storage } from '../ports/storage.js';
import { MailboxEventBus, MailboxEventsToken, NotifyingStorage } from '../mailbox-events/index.js';
import { prepareHome } from '../runtime/home.js';
import { createLogger } from '../runtime/logger.js';
import { Metrics } from '../runtime/metrics.js';
import { RedisService } from '../runtime/redis.js';
import { registerCoreServices } from './core-services.js';
import { serverSettingsOf } from './server-settings.js';
import { HookBus } from './hooks.js';
import { ListenerRegistry } from './listener-registry.js';
import type { Plugin, PluginContext, Role, StopHandler } from './plugin.js';
import { builtinPluginNames, checkPluginShape, loadPlugin } from './plugin-loader.js';
import { openConfiguredStorage } from './storage-open.js';
import { KernelError, orderPlugins } from './plugin-order.js';
import { Tokens } from './tokens.js';

export interface KernelOptions {
  config?: MailwrightConfig;
  /** Where the config came from, for error messages. */
  source?: string;
  /** Relative plugin paths and `file:` storage URLs resolve against this. */
  baseDir?: string;
  /**
   * Plugin objects to load besides those the config names (tests, embedding applications); their
   * settings come from `config.plugins[name]`.
   */
  plugins?: Plugin<unknown>[];
  /** `--listen` flags, by listener name; they win over the config file. */
  listen?: Record<string, ListenAddress>;
  home?: string;
  role?: Role;
  logger?: Logger;
  /**
   * The Redis of the process that started this one (its delivery workers): used instead of
   * `config.redis`, and instead of starting an embedded redis-server of its own.
   */
  redisUrl?: string;
}

export interface AnnouncedListener {
  name: string;
  plugin: string;
  address: ListenAddress;
}

interface LoadedPlugin {
  plugin: Plugin<unknown>;
  config: unknown;
}

const DEFAULT_HOOK_TIMEOUT_MS = 5_000;
const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

/** How long past the shutdown timeout (and the abort it sends) a plugin's stop is still waited for. */
const STOP_GRACE_MS = 2_000;

/**
 * Loads plugins, orders them, starts them in dependency order and stops them in reverse.
 * Every kernel has its own child container, hook bus, metrics and infrastructure, so two kernels
 * in one process share nothing.
 */
export class Kernel {
  readonly container: DependencyContainer = rootContainer.createChildContainer();
  readonly hooks: HookBus;
  readonly metrics = new Metrics();
  readonly logger: Logger;
  readonly home: string;
  readonly role: Role;
  readonly listeners: AnnouncedListener[] = [];
  private readonly started: { name: string; stop?: StopHandler }[] = [];
  private readonly shutdown = new AbortController();
  private readonly listenerRegistry: ListenerRegistry;
  private storage: Storage | undefined;
  private redis: RedisService | undefined;
  private mailboxEvents: MailboxEventBus | undefined;
  private state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';

  private constructor(
    private readonly options: KernelOptions,
    private readonly baseDir: string,
    private readonly plugins: LoadedPlugin[],
  ) {
    const config = options.config ?? {};
    this.logger = options.logger ?? createLogger({ level: config.logging?.level });
    this.hooks = new HookBus(
      this.logger.child({ component: 'hooks' }),
      config.hooks?.timeoutMs ?? DEFAULT_HOOK_TIMEOUT_MS,
    );
    this.home = path.resolve(baseDir, options.home ?? config.home ?? 'mailwright-data');
    this.role = options.role ?? config.role ?? 'all';
    this.listenerRegistry = new ListenerRegistry(plugins.map((entry) => entry.plugin));
  }

  /**
   * Loads and checks everything that can be checked without starting anything: plugin modules,
   * plugin configs, dependencies, listener names. Throws KernelError or ConfigError.
   */
  static async create(options: KernelOptions = {}): Promise<Kernel> {
    const config = options.config ?? {};
    const source = options.source ?? '(embedded default)';
    const baseDir = options.baseDir ?? process.cwd();
    const entries =
      config.plugins ?? Object.fromEntries((await builtinPluginNames()).map((name) => [name, true]));

    const loaded: LoadedPlugin[] = [];
    const problems: string[] = [];
    /** Every plugin named, its settings valid or not: the listener names are checked against all. */
    const declaring: Plugin<unknown>[] = [];
    const inline = new Set((options.plugins ?? []).map((plugin) => plugin.name));
    for (const [spec, setting] of Object.entries(entries)) {
      if (setting === false || inline.has(spec)) continue;
      const plugin = await loadPlugin(spec, baseDir);
      declaring.push(plugin);
      const raw = setting === true ? {} : setting;
      const checked = await validatePluginConfig(plugin, raw, ['plugins', spec]);
      if (checked.problems) problems.push(...checked.problems);
      else loaded.push({ plugin, config: checked.value });
    }
    for (const plugin of options.plugins ?? []) {
      checkPluginShape(plugin.name ?? '(unnamed)', plugin);
      declaring.push(plugin);
      const setting = entries[plugin.name];
      const raw = typeof setting === 'object' ? setting : {};
      const checked = await validatePluginConfig(plugin, raw, ['plugins', plugin.name]);
      if (checked.problems) problems.push(...checked.problems);
      else loaded.push({ plugin, config: checked.value });
    }
    // One report with every problem: the plugin sections and the listener names.
    problems.push(...listenerNameProblems(new ListenerRegistry(declaring), options));
    if (problems.length > 0) throw new ConfigError(source, problems);

    const ordered = orderPlugins(loaded.map((entry) => entry.plugin));
    const byPlugin = new Map(loaded.map((entry) => [entry.plugin, entry]));
    return new Kernel(
      options,
      baseDir,
      ordered.map((plugin) => byPlugin.get(plugin)!),
    );
  }

  get pluginNames(): string[] {
    return this.plugins.map((entry) => entry.plugin.name);
  }

  /**
   * Opens the infrastructure the plugins need, registers every plugin, then starts them in order.
   * If one fails, the ones already started are stopped in reverse and its error is rethrown.
   */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new KernelError(`kernel cannot start: it is ${this.state}`);
    this.state = 'starting';
    try {
      // Infrastructure first: register() builds services over storage and Redis (Plugin.register).
      await this.openInfrastructure();
      for (const { plugin, config } of this.plugins) await plugin.register?.(this.container, config);
      for (const { plugin, config } of this.plugins) {
        let stop: void | StopHandler;
        try {
          stop = await plugin.start?.(this.contextFor(plugin, config));
        } catch (err) {
          throw new PluginStartError(plugin.name, err);
        }
        this.started.push({ name: plugin.name, stop: stop ?? undefined });
        this.logger.debug({ plugin: plugin.name }, 'plugin started');
      }
      this.state = 'running';
    } catch (err) {
      this.logger.error({ err }, 'start-up failed; stopping what was started');
      await this.stopAll(this.shutdownTimeoutMs);
      this.state = 'stopped';
      throw err;
    }
  }

  /** Stops plugins in reverse start order, then the infrastructure. Idempotent. */
  async stop(timeoutMs = this.shutdownTimeoutMs): Promise<void> {
    if (this.state === 'stopped' || this.state === 'stopping') return;
    this.state = 'stopping';
    await this.stopAll(timeoutMs);
    this.state = 'stopped';
  }

  /** How long stop() waits for plugins to drain (`shutdownTimeoutMs`). */
  get shutdownTimeoutMs(): number {
    return this.options.config?.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
  }

  private async stopAll(timeoutMs: number): Promise<void> {
    // After the drain time, plugins are told to drop whatever is still open (the shutdown signal);
    // one that has still not stopped STOP_GRACE_MS later is logged and left behind, so that one
    // plugin (a third-party one, a command stuck on storage) cannot hold the whole process.
    // Neither timer is unref'd: while a stop is pending they are what keeps the process going.
    const deadline = setTimeout(() => this.shutdown.abort(), timeoutMs);
    let giveUp!: () => void;
    const overdue = new Promise<'overdue'>((resolve) => (giveUp = () => resolve('overdue')));
    const lastChance = setTimeout(giveUp, timeoutMs + STOP_GRACE_MS);
    for (const { name, stop } of this.started.splice(0).reverse()) {
      const stopping = Promise.resolve()
        .then(() => stop?.())
        .then(
          () => 'stopped' as const,
          (err: unknown) => this.logger.error({ plugin: name, err }, 'plugin failed to stop cleanly'),
        );
      if ((await Promise.race([stopping, overdue])) === 'overdue') {
        this.logger.error(
          { plugin: name, timeoutMs },
          'plugin did not stop within the shutdown timeout; going on without waiting for it',
        );
      }
    }
    clearTimeout(deadline);
    clearTimeout(lastChance);
    await this.closeInfrastructure();
  }

  /** The Redis this kernel uses (the embedded one's unix socket URL included), once started. */
  get redisUrl(): string | undefined {
    return this.redis?.url;
  }

  private needs(service: 'storage' | 'redis'): boolean {
    return this.plugins.some(({ plugin }) => plugin.needs?.includes(service));
  }

  private async openInfrastructure(): Promise<void> {
    this.container.registerInstance(Tokens.Hooks, this.hooks);
    this.container.registerInstance(Tokens.Metrics, this.metrics);
    this.container.registerInstance(Tokens.Logger, this.logger);
    const config = this.options.config ?? {};
    this.container.registerInstance(Tokens.ServerSettings, serverSettingsOf(config));
    await prepareHome(this.home, config.umask);
    if (this.needs('storage')) {
      this.storage = await openConfiguredStorage(config, this.home, this.baseDir);
    }
    if (this.needs('redis')) {
      this.redis = await RedisService.open(
        this.options.redisUrl ?? config.redis?.url,
        this.home,
        this.logger,
      );
      this.container.registerInstance(Tokens.Redis, this.redis);
    }
    if (this.storage) {
      // Every writer's changes reach IDLE and the other sessions, in every process: the storage
      // plugins get is the adapter's with its mail store publishing mailbox events.
      this.mailboxEvents = await MailboxEventBus.open({
        redis: this.redis,
        logger: this.logger,
        metrics: this.metrics,
      });
      this.container.registerInstance(MailboxEventsToken, this.mailboxEvents);
      const storage = new NotifyingStorage(this.storage, this.mailboxEvents);
      this.container.registerInstance(Tokens.Storage, storage);
      await registerCoreServices(this.container, {
        home: this.home,
        storage,
        redis: this.redis,
        legacySecrets: config.legacySecrets ?? false,
        lockout: config.lockout,
      });
    }
  }

  private async closeInfrastructure(): Promise<void> {
    await this.mailboxEvents?.close();
    this.mailboxEvents = undefined;
    await this.redis?.close().catch((err: unknown) => this.logger.error({ err }, 'closing redis failed'));
    await this.storage?.close().catch((err: unknown) => this.logger.error({ err }, 'closing storage failed'));
    this.redis = undefined;
    this.storage = undefined;
  }

  private contextFor(plugin: Plugin<unknown>, config: unknown): PluginContext<unknown> {
    return {
      name: plugin.name,
      config,
      container: this.container,
      hooks: this.hooks,
      logger: this.logger.child({ plugin: plugin.name }),
      metrics: this.metrics,
      role: this.role,
      home: this.home,
      shutdownSignal: this.shutdown.signal,
      runs: (role) => this.role === 'all' || this.role === role,
      listenAddress: (name) => this.listenAddress(plugin.name, name),
      announce: (name, address) => void this.listeners.push({ name, plugin: plugin.name, address }),
    };
  }

  private listenAddress(plugin: string, name: string): ListenAddress {
    const declared = this.listenerRegistry.defaultAddress(plugin, name);
    return this.options.listen?.[name] ?? this.options.config?.listen?.[name] ?? declared;
  }
}

/** A listener set in the config or on the command line must be one a loaded plugin declares. */
function listenerNameProblems(registry: ListenerRegistry, options: KernelOptions): string[] {
  return [
    ...registry.unknown(Object.keys(options.config?.listen ?? {}), (name) => `listen.${name}`),
    ...registry.unknown(Object.keys(options.listen ?? {}), (name) => `--listen ${name}`),
  ];
}

/** A plugin's start failed; the kernel has already stopped the ones started before it. */
export class PluginStartError extends Error {
  constructor(
    readonly plugin: string,
    override readonly cause: unknown,
  ) {
    super(`plugin "${plugin}" failed to start: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'PluginStartError';
  }
}

async function validatePluginConfig(
  plugin: Plugin<unknown>,
  raw: unknown,
  keyPath: string[],
): Promise<{ value: unknown; problems?: undefined } | { problems: string[] }> {
  if (!plugin.configSchema) {
    const empty = typeof raw === 'object' && raw !== null && Object.keys(raw).length === 0;
    return empty
      ? { value: {} }
      : { problems: [`${keyPath.join('.')}: plugin "${plugin.name}" takes no settings`] };
  }
  const result = await plugin.configSchema['~standard'].validate(raw);
  if (result.issues) return { problems: describeIssues(keyPath, result.issues) };
  return { value: result.value };
}
