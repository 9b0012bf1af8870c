import type { Readable } from 'node:stream';
import { Binary } from 'mongodb';
import type { FileEntry, FileTree } from '../../core/ports/index.js';
import type { Collections } from './collections.js';

/**
 * The mail root as one document per file (configuration tables: small). A write is one
 * replaceOne, so readers see the old or the new content, never a mix.
 */
export class MongoFileTree implements FileTree {
  constructor(private readonly cols: Collections) {}

  async readFile(path: string): Promise<Buffer | null> {
    const doc = await this.cols.files.findOne({ _id: path });
    return doc ? Buffer.from(doc.content.buffer) : null;
  }

  async writeFile(path: string, content: Buffer | Readable): Promise<void> {
    const data = Buffer.isBuffer(content) ? content : await collect(content);
    await this.cols.files.replaceOne(
      { _id: path },
      { dir: parentDir(path), content: new Binary(data), size: data.length },
      { upsert: true },
    );
  }

  async deleteFile(path: string): Promise<boolean> {
    return (await this.cols.files.deleteOne({ _id: path })).deletedCount === 1;
  }

  async *walkFiles(): AsyncIterable<FileEntry> {
    // Every file here is configuration: the other ports keep their records in their own collections.
    for await (const doc of this.cols.files.find({}, { projection: { size: 1 } }).sort({ _id: 1 })) {
      yield { path: doc._id, size: doc.size };
    }
  }

  async hasDirectory(dir: string): Promise<boolean> {
    if (dir === '') return true;
    // '0' is the character after '/': [dir/, dir0) is everything below dir.
    const below = await this.cols.files.findOne(
      { _id: { $gt: `${dir}/`, $lt: `${dir}0` } },
      { projection: { _id: 1 } },
    );
    return below !== null;
  }

  async listFiles(dir: string): Promise<FileEntry[]> {
    const docs = await this.cols.files
      .find({ dir: dir.replace(/\/+$/, '') }, { projection: { size: 1 } })
      .sort({ _id: 1 })
      .toArray();
    return docs.map((doc) => ({ path: doc._id, size: doc.size }));
  }
}

function parentDir(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream)
    parts.push(typeof part === 'string' ? Buffer.from(part) : (part as Buffer));
  return Buffer.concat(parts);
}
