import { MongoClient, type Db, type WriteConcernSettings } from 'mongodb';

export const DEFAULT_DATABASE = 'mailwright';

/**
 * Every write waits for the journal of a majority, so an acknowledged write survives a crash
 * (DESIGN.md: "journaled write on MongoDB"). A standalone MongoDB takes `majority` as itself;
 * FerretDB 1.x accepts the setting (checked) and SQLite commits before it answers.
 */
export const JOURNALED: WriteConcernSettings = { w: 'majority', j: true };

/** The database named in the URL path, or `mailwright`. */
export function databaseName(url: string): string {
  const match = /^mongodb(?:\+srv)?:\/\/[^/]*\/([^?]*)/.exec(url);
  const name = match?.[1] ? decodeURIComponent(match[1]) : '';
  return name === '' ? DEFAULT_DATABASE : name;
}

export function connect(url: string): { client: MongoClient; db: Db } {
  const client = new MongoClient(url, { writeConcern: JOURNALED, ignoreUndefined: true });
  return { client, db: client.db(databaseName(url)) };
}
