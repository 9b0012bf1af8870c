import type { Storage } from '../../core/ports/index.js';
import { MongoStorage } from './storage.js';

export { MongoStorage } from './storage.js';
export { INDEXES } from './indexes.js';

/** Storage on `mongodb://host[:port]/database` (database defaults to `mailwright`). */
export function createStorage(url: string): Storage {
  if (!/^mongodb(\+srv)?:\/\//.test(url)) {
    throw new Error(`the mongodb storage adapter takes a mongodb:// URL, not ${JSON.stringify(url)}`);
  }
  return new MongoStorage(url);
}
