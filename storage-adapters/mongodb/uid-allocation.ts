import type { ObjectId } from 'mongodb';
import { NotFoundError } from '../../core/ports/index.js';
import { claimNext, highestClaim } from './claims.js';
import type { Collections, FolderDoc } from './collections.js';

export interface Allocation {
  /** UIDs taken, ascending (consecutive unless another process got in between). */
  uids: number[];
  /** A MODSEQ no other change of the folder has or will get. */
  modseq: number;
}

export const uidScope = (folderId: ObjectId): string => `uid:${folderId.toHexString()}`;
export const modseqScope = (folderId: ObjectId): string => `modseq:${folderId.toHexString()}`;

/**
 * Takes `count` UIDs and one MODSEQ of the folder, unique across processes and never reused
 * (claims.ts), then raises the folder's counters. Those counters are hints that may lag after a
 * race (FerretDB 1.x); folderCounters gives the exact values.
 * @throws NotFoundError when the folder is gone
 */
export async function allocate(cols: Collections, folderId: ObjectId, count: number): Promise<Allocation> {
  const folder = await cols.folders.findOne({ _id: folderId });
  if (!folder) throw new NotFoundError('folder');
  const uids: number[] = [];
  let next = folder.uidNext;
  for (let i = 0; i < count; i++) {
    next = (await claimNext(cols.claims, uidScope(folderId), next)) + 1;
    uids.push(next - 1);
  }
  const modseq = await claimNext(cols.claims, modseqScope(folderId), folder.highestModseq + 1);
  await cols.folders.updateOne({ _id: folderId }, { $max: { uidNext: next, highestModseq: modseq } });
  return { uids, modseq };
}

/** The folder's exact UIDNEXT and HIGHESTMODSEQ: the stored hints corrected by the claims. */
export async function folderCounters(
  cols: Collections,
  folder: FolderDoc,
): Promise<{ uidNext: number; highestModseq: number }> {
  const [topUid, topModseq] = await Promise.all([
    highestClaim(cols.claims, uidScope(folder._id)),
    highestClaim(cols.claims, modseqScope(folder._id)),
  ]);
  return {
    uidNext: Math.max(folder.uidNext, topUid + 1),
    highestModseq: Math.max(folder.highestModseq, topModseq),
  };
}
