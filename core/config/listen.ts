/**
 * Listener addresses and `--listen NAME=HOST:PORT` parsing. Which names exist is not known here:
 * each plugin declares its own listeners (Plugin.listeners) and the kernel checks the configured
 * names against the loaded plugins (kernel/listener-registry.ts).
 */

export interface ListenAddress {
  host: string;
  port: number;
}

/** Where a plugin's listener listens unless the config or `--listen` says otherwise. */
export interface ListenerDeclaration {
  port: number;
  /** Default 127.0.0.1: nothing is reachable from the network until the operator says so. */
  host?: string;
}

export const DEFAULT_LISTEN_HOST = '127.0.0.1';

/** Listener names are config keys and `--listen` names: lower-case words joined by dashes. */
export const LISTENER_NAME_PATTERN = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

/** `HOST:PORT`, `[v6]:PORT` or `PORT` (host 127.0.0.1). Port 0 asks the OS for a free port. */
export function parseListenAddress(text: string): ListenAddress {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text) ?? /^()()(\d{1,5})$/.exec(text);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) throw new Error(`"${text}" is not HOST:PORT (for example 127.0.0.1:2525)`);
  return { host: match[1] || match[2] || DEFAULT_LISTEN_HOST, port };
}

/** `NAME=HOST:PORT` from the command line; whether a loaded plugin declares NAME is the kernel's check. */
export function parseListenFlag(flag: string): [string, ListenAddress] {
  const eq = flag.indexOf('=');
  const name = flag.slice(0, eq);
  if (eq < 0 || !LISTENER_NAME_PATTERN.test(name)) {
    throw new Error(`--listen ${flag}: expected NAME=HOST:PORT (for example smtp=127.0.0.1:2525)`);
  }
  return [name, parseListenAddress(flag.slice(eq + 1))];
}
