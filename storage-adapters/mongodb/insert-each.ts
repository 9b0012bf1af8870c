import {
  MongoBulkWriteError,
  type Collection,
  type Document,
  type OptionalUnlessRequiredId,
  type WriteError,
} from 'mongodb';

/**
 * Inserts the documents in one unordered insertMany (one SQLite transaction per batch on FerretDB
 * 1.x, against one per insertOne) and tells, per document, whether it went in (true) or a unique
 * index refused it (false): for claims on names and numbers, where losing is an answer, not an
 * error. Any other failure throws.
 */
export async function insertEach<T extends Document>(
  collection: Collection<T>,
  docs: OptionalUnlessRequiredId<T>[],
): Promise<boolean[]> {
  const inserted = docs.map(() => true);
  if (docs.length === 0) return inserted;
  try {
    await collection.insertMany(docs, { ordered: false });
  } catch (error) {
    if (!(error instanceof MongoBulkWriteError) || error.err) throw error;
    const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
    if (writeErrors.length === 0) throw error;
    for (const writeError of writeErrors as WriteError[]) {
      if (writeError.code !== 11000) throw error;
      inserted[writeError.index] = false;
    }
  }
  return inserted;
}
