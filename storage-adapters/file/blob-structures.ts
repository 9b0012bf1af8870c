/**
 * The MIME structure of each body, kept once beside it: blobs/<ab>/<id>.mime, the JSON of a
 * MessageStructure. Every message stored from the body shares it, so a message delivered to N
 * mailboxes writes its structure once rather than into N folder journals. A body has one structure:
 * the first one kept stays (later ones are the same, or a caller's mistake). FileBlobStore removes
 * it with the body.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { capStructure, type MessageStructure } from '../../core/model/index.js';
import { fsyncDir, readIfExists, writeTemp, type WritePlace } from './durable-fs.js';
import type { Layout } from './layout.js';

/** Structures are immutable, so a process keeps the ones it read; this bounds the memory they take. */
const CACHE_BYTES = 32 * 1024 * 1024;

export class FileStructureStore {
  /** Blob id -> structure and its JSON size, oldest first; a body's structure never changes. */
  private readonly cache = new Map<string, { structure: MessageStructure; bytes: number }>();
  private cachedBytes = 0;
  private readonly keeping = new Map<string, Promise<MessageStructure>>();

  constructor(private readonly layout: Layout) {}

  /**
   * Keeps `structure` (capped) as the body's unless it has one already; resolves the one kept, on
   * stable storage. The caller holds a reference to the body. Concurrent calls for one body in
   * this process share one write.
   */
  keep(blobId: string, structure: MessageStructure): Promise<MessageStructure> {
    // The write in flight first: store() caches what it finds before it has synced it.
    const inFlight = this.keeping.get(blobId);
    if (inFlight) return inFlight;
    const cached = this.cache.get(blobId);
    if (cached) return Promise.resolve(cached.structure);
    const keeping = this.store(blobId, structure).finally(() => this.keeping.delete(blobId));
    this.keeping.set(blobId, keeping);
    return keeping;
  }

  /** The body's structure, or null when it has none (the body is gone). */
  async read(blobId: string): Promise<MessageStructure | null> {
    const cached = this.cache.get(blobId);
    if (cached) return cached.structure;
    const json = await readIfExists(this.layout.blobStructure(blobId));
    if (!json) return null;
    const structure = JSON.parse(json.toString('utf8')) as MessageStructure;
    this.remember(blobId, structure, json.length);
    return structure;
  }

  private async store(blobId: string, structure: MessageStructure): Promise<MessageStructure> {
    const target = this.layout.blobStructure(blobId);
    if (!(await this.read(blobId))) await createOnce(this.layout, target, capStructure(structure));
    // Ours, or linked a moment ago by another process that may not have synced the directory yet:
    // either way the entry is durable before a folder row relies on it.
    await fsyncDir(path.dirname(target));
    return (await this.read(blobId))!;
  }

  private remember(blobId: string, structure: MessageStructure, bytes: number): void {
    if (this.cache.has(blobId)) return;
    this.cache.set(blobId, { structure, bytes });
    this.cachedBytes += bytes;
    for (const [id, entry] of this.cache) {
      if (this.cachedBytes <= CACHE_BYTES) break;
      this.cache.delete(id);
      this.cachedBytes -= entry.bytes;
    }
  }
}

/** Writes `target` unless it exists. link(2), unlike rename(2), never replaces: the first one stays. */
async function createOnce(place: WritePlace, target: string, structure: MessageStructure): Promise<void> {
  const { temp } = await writeTemp(place, JSON.stringify(structure));
  try {
    await fs.link(temp, target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await fs.rm(temp, { force: true });
  }
}
