import type { ListenerDeclaration } from '../../core/index.js';
import { builtinPluginNames, loadPlugin } from '../../core/kernel/plugin-loader.js';

/** Every listener the built-in plugins declare, by name, with its declared default. */
export async function builtinListeners(): Promise<Map<string, ListenerDeclaration>> {
  const listeners = new Map<string, ListenerDeclaration>();
  for (const name of await builtinPluginNames()) {
    for (const [listener, declared] of Object.entries(
      (await loadPlugin(name, process.cwd())).listeners ?? {},
    ))
      listeners.set(listener, declared);
  }
  return listeners;
}

/** `--listen NAME=127.0.0.1:0` for every built-in listener: the embedded default on free ports. */
export async function everyBuiltinListenerOnAFreePort(): Promise<string[]> {
  return [...(await builtinListeners()).keys()].flatMap((name) => ['--listen', `${name}=127.0.0.1:0`]);
}
