import type { ObjectId } from 'mongodb';
import type { FlagOperation } from '../../core/model/index.js';
import type { FlagUpdate, FlagUpdateResult } from '../../core/ports/index.js';
import type { Collections } from './collections.js';
import { allocate } from './uid-allocation.js';

/**
 * Flag changes as compare-and-set on each message's MODSEQ (every change gives a new MODSEQ, so it
 * is the message's version): read, compute the new flags, write only if the MODSEQ is still the
 * one read. A lost race re-reads; a MODSEQ above UNCHANGEDSINCE fails the message. Only `$set` is
 * used, which every MongoDB-compatible server supports. On MongoDB the compare-and-set is atomic;
 * FerretDB 1.x runs an update as read-then-write, so two processes changing the same message's
 * flags at the same instant can still lose one change there. Messages whose flags would not change keep
 * their MODSEQ (RFC 7162), and one new MODSEQ serves the whole update unless a race forces another.
 */
export async function applyFlagUpdate(
  cols: Collections,
  folderId: ObjectId,
  update: FlagUpdate,
): Promise<FlagUpdateResult> {
  const result: FlagUpdateResult = { updated: [], failed: [] };
  let modseq = 0;
  for (const uid of [...new Set(update.uids)].sort((a, b) => a - b)) {
    for (;;) {
      const message = await cols.messages.findOne({ folderId, uid }, { projection: { flags: 1, modseq: 1 } });
      if (!message) break;
      if (update.unchangedSince !== undefined && message.modseq > update.unchangedSince) {
        result.failed.push(uid);
        break;
      }
      const flags = nextFlags(message.flags, update.operation, update.flags);
      if (sameFlags(flags, message.flags)) {
        result.updated.push({ uid, modseq: message.modseq, flags: message.flags });
        break;
      }
      if (modseq <= message.modseq) modseq = (await allocate(cols, folderId, 0)).modseq;
      const written = await cols.messages.updateOne(
        { folderId, uid, modseq: message.modseq },
        { $set: { flags, modseq } },
      );
      if (written.modifiedCount === 1) {
        result.updated.push({ uid, modseq, flags });
        break;
      }
    }
  }
  return result;
}

function nextFlags(current: string[], operation: FlagOperation, flags: string[]): string[] {
  switch (operation) {
    case 'set':
      return [...new Set(flags)];
    case 'add':
      return [...new Set([...current, ...flags])];
    case 'remove':
      return current.filter((flag) => !flags.includes(flag));
  }
}

function sameFlags(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((flag) => b.includes(flag));
}
