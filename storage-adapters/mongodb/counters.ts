import type { Collections } from './collections.js';
import { claimBlock, claimExact } from './claims.js';
import { isDuplicateKey } from './errors.js';

/**
 * Next value of a named sequence (account seq, insertion orders, event ids), unique across
 * processes through a claim (claims.ts). The counter document only remembers where to start
 * looking; a lost or late update of it costs a retry, never a duplicate.
 */
export async function nextSeq(cols: Pick<Collections, 'counters' | 'claims'>, name: string): Promise<number> {
  const [value] = await nextSeqs(cols, name, 1);
  return value;
}

/** The next `count` values of a named sequence, ascending, with one counter update for all. */
export async function nextSeqs(
  cols: Pick<Collections, 'counters' | 'claims'>,
  name: string,
  count: number,
): Promise<number[]> {
  if (count === 0) return [];
  const hint = (await cols.counters.findOne({ _id: name }))?.value ?? 0;
  const values = await claimBlock(cols.claims, `seq:${name}`, hint + 1, count);
  await raiseCounter(cols, name, values[values.length - 1]);
  return values;
}

/** Makes every later nextSeq(name) greater than `value` (imports keep their own numbers). */
export async function raiseSeq(
  cols: Pick<Collections, 'counters' | 'claims'>,
  name: string,
  value: number,
): Promise<void> {
  await claimExact(cols.claims, `seq:${name}`, value);
  await raiseCounter(cols, name, value);
}

/**
 * Raises the counter document's hint to `value`. The first updates of a sequence race to insert
 * the document: the upsert that loses fails on the unique _id (FerretDB and MongoDB before 4.2 do
 * not retry it themselves), and finds the document there on its second try.
 */
async function raiseCounter(cols: Pick<Collections, 'counters'>, name: string, value: number): Promise<void> {
  const raise = () => cols.counters.updateOne({ _id: name }, { $max: { value } }, { upsert: true });
  try {
    await raise();
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    await raise();
  }
}
