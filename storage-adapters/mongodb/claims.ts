import type { Collection } from 'mongodb';
import type { ClaimDoc } from './collections.js';
import { isDuplicateKey } from './errors.js';
import { insertEach } from './insert-each.js';

/**
 * Numbers handed out exactly once across processes (UIDs, MODSEQs, sequences), claimed by
 * inserting `{ _id: "<scope>/<n>" }`. FerretDB 1.x runs every update, `$inc` and findAndModify
 * included, as a read in Go followed by a write of the whole document, so two processes can both
 * read uidNext = 7; an insert against the unique `_id` is the one write both FerretDB and MongoDB
 * make atomic. `from` is a hint (the stored counter, possibly stale): taken numbers are skipped.
 * Claims are kept (until their scope is dropped), so a number is never handed out twice even
 * after the message that used it is gone.
 */
export async function claimNext(claims: Collection<ClaimDoc>, scope: string, from: number): Promise<number> {
  const [n] = await claimBlock(claims, scope, from, 1);
  return n;
}

/**
 * `count` numbers of the scope, ascending, claimed with one insertMany per round (group commit
 * numbers a whole batch of accounts at once). Numbers somebody else holds are skipped and made
 * up for in the next round.
 */
export async function claimBlock(
  claims: Collection<ClaimDoc>,
  scope: string,
  from: number,
  count: number,
): Promise<number[]> {
  const key = `${claims.dbName}\0${scope}`;
  const taken: number[] = [];
  let n = Math.max(1, from, localNext.get(key) ?? 0);
  while (taken.length < count) {
    const tries = Array.from({ length: count - taken.length }, (_, i) => n + i);
    n += tries.length;
    // Reserved before the await, so concurrent callers in this process try different numbers
    // instead of all racing for the same ones (200 parallel adds otherwise cost O(n²) inserts).
    localNext.set(key, Math.max(localNext.get(key) ?? 0, n));
    const inserted = await insertEach(
      claims,
      tries.map((value) => ({ _id: `${scope}/${value}`, scope, n: value })),
    );
    taken.push(...tries.filter((_, i) => inserted[i]));
  }
  return taken;
}

/** Per scope, the next number this process has not tried yet (one small entry per scope used). */
const localNext = new Map<string, number>();

/** Marks `n` as taken (it may already be); resolves whether this call took it. */
export async function claimExact(claims: Collection<ClaimDoc>, scope: string, n: number): Promise<boolean> {
  try {
    await claims.insertOne({ _id: `${scope}/${n}`, scope, n });
    return true;
  } catch (error) {
    if (isDuplicateKey(error)) return false;
    throw error;
  }
}

/** The highest number claimed in the scope, 0 when none. */
export async function highestClaim(claims: Collection<ClaimDoc>, scope: string): Promise<number> {
  const top = await claims.find({ scope }).sort({ n: -1 }).limit(1).next();
  return top?.n ?? 0;
}

export async function dropClaims(claims: Collection<ClaimDoc>, scope: string): Promise<void> {
  await claims.deleteMany({ scope });
}
