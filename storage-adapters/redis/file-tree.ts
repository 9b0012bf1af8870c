import type { Readable } from 'node:stream';
import type { FileEntry, FileTree } from '../../core/ports/file-tree.js';
import type { RedisContext } from './context.js';

/**
 * The virtual mail root: contents in hash `file`, every path in the lexically sorted `file:paths`
 * so a directory listing (and deleteDomain's `domains/<name>/` cascade) is a range read.
 * These are small configuration files, so a streamed write is collected before the atomic HSET.
 */
export class RedisFileTree implements FileTree {
  constructor(private readonly ctx: RedisContext) {}

  async readFile(path: string): Promise<Buffer | null> {
    return this.ctx.redis.hgetBuffer(this.ctx.key('file'), path);
  }

  async writeFile(path: string, content: Buffer | Readable): Promise<void> {
    const data = Buffer.isBuffer(content) ? content : await collect(content);
    await this.ctx.redis
      .multi()
      .hset(this.ctx.key('file'), path, data)
      .zadd(this.ctx.key('file:paths'), 0, path)
      .exec();
  }

  async deleteFile(path: string): Promise<boolean> {
    const results = await this.ctx.redis
      .multi()
      .hdel(this.ctx.key('file'), path)
      .zrem(this.ctx.key('file:paths'), path)
      .exec();
    return Number(results?.[0]?.[1]) > 0;
  }

  /** Everything in the tree: the Redis adapter keeps no records of other ports here. */
  async *walkFiles(): AsyncIterable<FileEntry> {
    const paths = await this.ctx.redis.zrangebylex(this.ctx.key('file:paths'), '-', '+');
    yield* await this.withSizes(paths);
  }

  async hasDirectory(dir: string): Promise<boolean> {
    if (dir === '') return true;
    const below = await this.ctx.redis.zrangebylex(
      this.ctx.key('file:paths'),
      `[${dir}/`,
      `(${dir}0`,
      'LIMIT',
      0,
      1,
    );
    return below.length > 0;
  }

  async listFiles(dir: string): Promise<FileEntry[]> {
    // '0' is the character after '/', so [dir/, dir0) is everything under dir.
    const paths =
      dir === ''
        ? await this.ctx.redis.zrangebylex(this.ctx.key('file:paths'), '-', '+')
        : await this.ctx.redis.zrangebylex(this.ctx.key('file:paths'), `[${dir}/`, `(${dir}0`);
    const base = dir === '' ? 0 : dir.length + 1;
    return this.withSizes(paths.filter((p) => !p.includes('/', base)));
  }

  private async withSizes(paths: string[]): Promise<FileEntry[]> {
    const pipeline = this.ctx.redis.pipeline();
    for (const p of paths) pipeline.hstrlen(this.ctx.key('file'), p);
    const sizes = (await pipeline.exec()) ?? [];
    return paths.map((path, i) => ({ path, size: Number(sizes[i][1]) }));
  }
}

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream)
    parts.push(typeof part === 'string' ? Buffer.from(part) : (part as Buffer));
  return Buffer.concat(parts);
}
