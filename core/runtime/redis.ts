import { mkdir } from 'node:fs/promises';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { homePaths } from './home.js';
import { startRedisServer, redisOptionsFromUrl, type RedisProcess } from './redis-process.js';

/**
 * The Redis every process of one installation shares (BullMQ, lockouts, coordination). Configured by
 * URL, or, when none is configured, a private redis-server on a unix socket in `<home>/state/redis/`
 * (private: home.ts) that lives and dies with this kernel.
 */
export class RedisService {
  private readonly clients = new Set<Redis>();

  private constructor(
    readonly url: string,
    private readonly embedded: RedisProcess | undefined,
  ) {}

  static async open(url: string | undefined, home: string, logger: Logger): Promise<RedisService> {
    if (url) return new RedisService(url, undefined);
    const dir = homePaths(home).redis;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // AOF with fsync on every write: a queue job behind an SMTP 250 must survive a crash.
    const embedded = await startRedisServer({ dir, appendOnly: true });
    logger.info({ socket: embedded.socketPath, pid: embedded.pid }, 'started embedded redis-server');
    return new RedisService(embedded.url, embedded);
  }

  /** Connection options; BullMQ workers need `maxRetriesPerRequest: null`. */
  options(extra: Partial<RedisOptions> = {}): RedisOptions {
    return { ...redisOptionsFromUrl(this.url), ...extra };
  }

  /** A new connection, closed with the service. */
  client(extra: Partial<RedisOptions> = {}): Redis {
    const client = new Redis(this.options(extra));
    this.clients.add(client);
    client.once('end', () => this.clients.delete(client));
    return client;
  }

  get isEmbedded(): boolean {
    return this.embedded !== undefined;
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients].map((client) => client.quit().catch(() => client.disconnect())));
    await this.embedded?.stop();
  }
}
