/** Listener names, their default addresses, and `--listen NAME=HOST:PORT` parsing. */
export const LISTENER_DEFAULTS = {
  smtp: 2525,
  submission: 2587,
  smtps: 2465,
  pop3: 2110,
  pop3s: 2995,
  imap: 2143,
  imaps: 2993,
  'xmail-ctrl': 6017,
  'xmail-ctrls': 6018,
  altavista: 4200,
  'altavista-http': 4280,
  'admin-http': 9180,
} as const;

export type ListenerName = keyof typeof LISTENER_DEFAULTS;
export const LISTENER_NAMES = Object.keys(LISTENER_DEFAULTS) as ListenerName[];

export interface ListenAddress {
  host: string;
  port: number;
}

export function isListenerName(name: string): name is ListenerName {
  return Object.hasOwn(LISTENER_DEFAULTS, name);
}

/** `HOST:PORT`, `[v6]:PORT` or `PORT` (host 127.0.0.1). Port 0 asks the OS for a free port. */
export function parseListenAddress(text: string): ListenAddress {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text) ?? /^()()(\d{1,5})$/.exec(text);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) throw new Error(`"${text}" is not HOST:PORT (for example 127.0.0.1:2525)`);
  return { host: match[1] || match[2] || '127.0.0.1', port };
}

/** `NAME=HOST:PORT` from the command line. */
export function parseListenFlag(flag: string): [ListenerName, ListenAddress] {
  const eq = flag.indexOf('=');
  const name = flag.slice(0, eq);
  if (eq < 0 || !isListenerName(name)) {
    throw new Error(
      `--listen ${flag}: expected NAME=HOST:PORT with NAME one of ${LISTENER_NAMES.join(', ')}`,
    );
  }
  return [name, parseListenAddress(flag.slice(eq + 1))];
}

export function defaultListenAddress(name: ListenerName): ListenAddress {
  return { host: '127.0.0.1', port: LISTENER_DEFAULTS[name] };
}
