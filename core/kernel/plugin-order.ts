import type { Plugin } from './plugin.js';

/** Raised before anything starts: the plugin set cannot be started as configured. */
export class KernelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KernelError';
  }
}

/**
 * Orders plugins so each starts after what it depends on (stable: ties keep the given order).
 * Reports every missing dependency by name, or one cycle as a path, before anything starts.
 */
export function orderPlugins(plugins: readonly Plugin<unknown>[]): Plugin<unknown>[] {
  const byCapability = new Map<string, Plugin<unknown>>();
  for (const plugin of plugins) {
    if (byCapability.has(plugin.name)) throw new KernelError(`two plugins are named "${plugin.name}"`);
    byCapability.set(plugin.name, plugin);
  }
  for (const plugin of plugins) {
    for (const capability of plugin.provides ?? []) {
      if (!byCapability.has(capability)) byCapability.set(capability, plugin);
    }
  }

  const missing = plugins.flatMap((plugin) =>
    (plugin.dependsOn ?? [])
      .filter((dep) => !byCapability.has(dep))
      .map((dep) => `plugin "${plugin.name}" depends on "${dep}", which is not loaded`),
  );
  if (missing.length > 0) throw new KernelError(missing.join('; '));

  const ordered: Plugin<unknown>[] = [];
  const state = new Map<Plugin<unknown>, 'visiting' | 'done'>();
  const visit = (plugin: Plugin<unknown>, trail: string[]): void => {
    if (state.get(plugin) === 'done') return;
    if (state.get(plugin) === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(plugin.name)), plugin.name];
      throw new KernelError(`plugin dependency cycle: ${cycle.join(' -> ')}`);
    }
    state.set(plugin, 'visiting');
    for (const dep of plugin.dependsOn ?? []) visit(byCapability.get(dep)!, [...trail, plugin.name]);
    state.set(plugin, 'done');
    ordered.push(plugin);
  };
  for (const plugin of plugins) visit(plugin, []);
  return ordered;
}
