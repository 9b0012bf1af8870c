import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { StorageFactory } from '../ports/storage.js';
import { listenerDeclarationProblems } from './listener-registry.js';
import type { Plugin } from './plugin.js';
import { KernelError } from './plugin-order.js';

/** The package root (dist/ when compiled): built-in plugins and adapters sit beside core/. */
const packageRoot = fileURLToPath(new URL('../../', import.meta.url));
const builtinPluginDir = path.join(packageRoot, 'plugins');
const builtinAdapterDir = path.join(packageRoot, 'storage-adapters');

/** Built-in plugins: every folder of plugins/ with an index.js. */
export async function builtinPluginNames(): Promise<string[]> {
  const entries = await readdir(builtinPluginDir, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isDirectory() && existsSync(path.join(builtinPluginDir, entry.name, 'index.js')))
    .map((entry) => entry.name)
    .sort();
}

/**
 * CLI commands contributed by built-in plugins: a plugin folder may hold a `cli.js` exporting
 * `registerCommands(program)` (commander). Only that small module is loaded, not the plugin.
 */
export async function builtinCommandModules(): Promise<{ registerCommands: (program: unknown) => void }[]> {
  const modules = [];
  for (const name of await builtinPluginNames()) {
    const file = path.join(builtinPluginDir, name, 'cli.js');
    if (!existsSync(file)) continue;
    const module = (await import(pathToFileURL(file).href)) as {
      registerCommands?: (program: unknown) => void;
    };
    if (typeof module.registerCommands === 'function')
      modules.push({ registerCommands: module.registerCommands });
  }
  return modules;
}

/**
 * Where a plugin spec points: a built-in short name (`smtp`), a path (`./my-plugin.js`, absolute
 * or relative to the config file), or an npm package name resolved from the config file's folder.
 */
export function resolvePluginSpecifier(spec: string, baseDir: string): string {
  if (spec.startsWith('.') || path.isAbsolute(spec)) return pathToFileURL(path.resolve(baseDir, spec)).href;
  const builtin = path.join(builtinPluginDir, spec, 'index.js');
  if (/^[a-z0-9-]+$/.test(spec) && existsSync(builtin)) return pathToFileURL(builtin).href;
  try {
    return pathToFileURL(createRequire(path.join(baseDir, 'noop.js')).resolve(spec)).href;
  } catch {
    return spec; // an ESM-only package without a CommonJS entry: let import() resolve it
  }
}

export async function loadPlugin(spec: string, baseDir: string): Promise<Plugin<unknown>> {
  let module: Record<string, unknown>;
  try {
    module = await import(resolvePluginSpecifier(spec, baseDir));
  } catch (err) {
    throw new KernelError(`cannot load plugin "${spec}": ${(err as Error).message}`);
  }
  const plugin = (module.default ?? module.plugin) as Plugin<unknown> | undefined;
  checkPluginShape(spec, plugin);
  return plugin;
}

export function checkPluginShape(spec: string, plugin: unknown): asserts plugin is Plugin<unknown> {
  const p = plugin as Partial<Plugin<unknown>> | undefined;
  const problems: string[] = [];
  if (typeof p !== 'object' || p === null) problems.push('it exports no plugin (default export or `plugin`)');
  else {
    if (typeof p.name !== 'string' || p.name === '') problems.push('`name` must be a non-empty string');
    if (typeof p.version !== 'string') problems.push('`version` must be a string');
    for (const key of ['register', 'start'] as const) {
      if (p[key] !== undefined && typeof p[key] !== 'function')
        problems.push(`\`${key}\` must be a function`);
    }
    for (const key of ['dependsOn', 'provides', 'needs'] as const) {
      if (p[key] !== undefined && !Array.isArray(p[key])) problems.push(`\`${key}\` must be an array`);
    }
    if (p.listeners !== undefined) problems.push(...listenerDeclarationProblems(p.listeners));
  }
  if (problems.length > 0)
    throw new KernelError(`plugin "${spec}" is not a valid plugin: ${problems.join('; ')}`);
}

const ADAPTER_BY_SCHEME: Record<string, string> = {
  file: 'file',
  redis: 'redis',
  rediss: 'redis',
  unix: 'redis',
  mongodb: 'mongodb',
  'mongodb+srv': 'mongodb',
};

/** The storage factory for a URL's scheme, or for an explicitly named adapter module. */
export async function loadStorageFactory(
  url: string,
  adapter: string | undefined,
  baseDir: string,
): Promise<StorageFactory> {
  let specifier: string;
  if (adapter) specifier = resolvePluginSpecifier(adapter, baseDir);
  else {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
    const builtin = scheme ? ADAPTER_BY_SCHEME[scheme] : undefined;
    if (!builtin) {
      throw new KernelError(
        `storage "${url}": unknown scheme; use file:, redis:// or mongodb://, or { adapter: <module>, url: ... }`,
      );
    }
    specifier = pathToFileURL(path.join(builtinAdapterDir, builtin, 'index.js')).href;
  }
  let module: { createStorage?: unknown };
  try {
    module = await import(specifier);
  } catch (err) {
    throw new KernelError(`cannot load the storage adapter for "${url}": ${(err as Error).message}`);
  }
  if (typeof module.createStorage !== 'function') {
    throw new KernelError(`storage adapter for "${url}" does not export createStorage(url)`);
  }
  return module.createStorage as StorageFactory;
}
