import type { Collections } from './collections.js';
import { claimExact, claimNext } from './claims.js';

/**
 * Next value of a named sequence (account seq, insertion orders, event ids), unique across
 * processes through a claim (claims.ts). The counter document only remembers where to start
 * looking; a lost or late update of it costs a retry, never a duplicate.
 */
export async function nextSeq(cols: Pick<Collections, 'counters' | 'claims'>, name: string): Promise<number> {
  const hint = (await cols.counters.findOne({ _id: name }))?.value ?? 0;
  const value = await claimNext(cols.claims, `seq:${name}`, hint + 1);
  await cols.counters.updateOne({ _id: name }, { $max: { value } }, { upsert: true });
  return value;
}

/** Makes every later nextSeq(name) greater than `value` (imports keep their own numbers). */
export async function raiseSeq(
  cols: Pick<Collections, 'counters' | 'claims'>,
  name: string,
  value: number,
): Promise<void> {
  await claimExact(cols.claims, `seq:${name}`, value);
  await cols.counters.updateOne({ _id: name }, { $max: { value } }, { upsert: true });
}
