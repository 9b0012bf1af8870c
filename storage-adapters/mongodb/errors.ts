import { MongoServerError } from 'mongodb';

/** A unique index refused the write: somebody else holds the name. */
export function isDuplicateKey(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === 11000;
}
