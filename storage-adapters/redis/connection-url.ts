import type { RedisOptions } from 'ioredis';

export interface RedisStorageTarget {
  /** What ioredis is given: its own URL form for TCP, a bare socket path for unix sockets. */
  connection: string;
  options: RedisOptions;
  /** Prefix of every key this storage writes (`?prefix=`, default `mw:`). */
  prefix: string;
}

/**
 * Reads `redis://[user:pass@]host:port/db`, `rediss://...` or `unix:///path/to/socket?db=N`, each
 * with an optional `prefix` parameter. ioredis parses redis(s):// itself; it has no scheme for unix
 * sockets and takes a bare absolute path instead, so `unix://` is translated to that.
 */
export function parseStorageUrl(url: string): RedisStorageTarget {
  const parsed = new URL(url);
  const prefix = parsed.searchParams.get('prefix') ?? 'mw:';
  parsed.searchParams.delete('prefix');
  if (parsed.protocol === 'unix:') {
    const db = parsed.searchParams.get('db');
    return { connection: decodeURIComponent(parsed.pathname), options: db ? { db: Number(db) } : {}, prefix };
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new Error(
      `unsupported Redis storage URL ${JSON.stringify(url)}: use redis://host:port/db or unix:///path/to/socket`,
    );
  }
  return { connection: parsed.toString(), options: {}, prefix };
}
