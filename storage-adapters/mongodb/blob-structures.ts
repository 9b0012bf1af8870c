/**
 * The MIME structure of each body, kept once beside it (BlobStructureDoc, `_id` = the blob id):
 * every message stored from the body shares it, so a message delivered to N mailboxes stores its
 * structure once, not in N message documents. A body has one structure: the first one kept stays
 * (later ones are the same, or a caller's mistake). MongoBlobStore removes it with the body.
 */
import { capStructure, type MessageStructure } from '../../core/model/index.js';
import { NotFoundError } from '../../core/ports/index.js';
import type { Collections } from './collections.js';
import { isDuplicateKey } from './errors.js';

/**
 * Keeps `structure` (capped) as the body's unless it has one; resolves the one kept. The insert
 * on the unique `_id` is the atomic "first one wins". The caller holds a reference to the body.
 */
export async function keepStructure(
  cols: Collections,
  blobId: string,
  structure: MessageStructure,
): Promise<MessageStructure> {
  const capped = capStructure(structure);
  try {
    await cols.blobStructures.insertOne({ _id: blobId, json: JSON.stringify(capped) });
    return capped;
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    const kept = (await readStructures(cols, [blobId])).get(blobId);
    if (!kept) throw new NotFoundError(`structure of blob ${blobId}`);
    return kept;
  }
}

/** The structures of these bodies, in one query; a body that is gone has none. */
export async function readStructures(
  cols: Collections,
  blobIds: string[],
): Promise<Map<string, MessageStructure>> {
  const ids = [...new Set(blobIds)];
  if (ids.length === 0) return new Map();
  const docs = await cols.blobStructures.find({ _id: ids.length === 1 ? ids[0] : { $in: ids } }).toArray();
  return new Map(docs.map((doc) => [doc._id, JSON.parse(doc.json) as MessageStructure]));
}
