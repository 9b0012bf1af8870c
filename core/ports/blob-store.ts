import type { Readable } from 'node:stream';

export interface BlobInfo {
  id: string;
  size: number;
}

/** An openBlob range cut to a body of `size` octets: `start` ≤ `end` ≤ `size`, the whole by default. */
export function clampRange(
  size: number,
  range?: { start: number; end: number },
): { start: number; end: number } {
  const start = Math.max(0, Math.min(range?.start ?? 0, size));
  return { start, end: Math.max(start, Math.min(range?.end ?? size, size)) };
}

/**
 * Message bodies, stored once and referenced many times (one delivery to a list of 1,000 local
 * members stores one body). A blob carries a reference count: `put` creates it with one reference
 * owned by the caller; MailStore.append/copy add one each; `release` drops one and deletes the
 * blob at zero.
 */
export interface BlobStore {
  /**
   * Streams the body in and resolves only once it is on stable storage (fsync / journaled /
   * AOF-written). Never holds the whole body in memory.
   */
  putBlob(body: Readable): Promise<BlobInfo>;
  /** `start` and `end` are byte offsets, `end` exclusive. @throws NotFoundError */
  openBlob(id: string, range?: { start: number; end: number }): Promise<Readable>;
  statBlob(id: string): Promise<BlobInfo | null>;
  addBlobRef(id: string): Promise<void>;
  releaseBlob(id: string): Promise<void>;
}
