/**
 * mailusers.tab as an append-only journal, so that adding the 100,001st account appends one line
 * instead of rewriting 100,000. Each row has XMail's mailusers.tab columns plus the creation time:
 *
 *   "domain" "user" "credential" seq "dir" "U|M" "created-at"
 *
 * A later row with the same seq replaces the earlier one (credential changes); kind "-" deletes it.
 * `seq` only grows, so it doubles as XMail's unique user id and as the insertion order. When dead
 * rows dominate, the journal is compacted to the live rows plus a tombstone carrying the highest seq.
 */
import type { AccountKind, Credential } from '../../core/model/index.js';
import type { Fold } from './journal.js';

export interface AccountRow {
  domain: string;
  name: string;
  seq: number;
  kind: AccountKind;
  credential: Credential;
  createdAt: Date;
}

export interface AccountIndex {
  /** Live accounts in seq order. */
  bySeq: Map<number, AccountRow>;
  /** `domain\0lower-case name` → seq */
  byKey: Map<string, number>;
  maxSeq: number;
  rows: number;
}

export function accountKey(domain: string, name: string): string {
  return `${domain}\0${name.toLowerCase()}`;
}

export function encodeCredential(c: Credential): string {
  switch (c.scheme) {
    case 'scrypt':
      return `scrypt:${c.hash}`;
    case 'legacy':
      return `legacy:${c.secret}`;
    case 'none':
      return 'none:';
  }
}

function decodeCredential(text: string): Credential {
  const colon = text.indexOf(':');
  const scheme = text.slice(0, colon);
  const value = text.slice(colon + 1);
  if (scheme === 'scrypt') return { scheme, hash: value };
  if (scheme === 'legacy') return { scheme, secret: value };
  return { scheme: 'none' };
}

export const accountFold: Fold<AccountIndex> = {
  empty: () => ({ bySeq: new Map(), byKey: new Map(), maxSeq: 0, rows: 0 }),
  apply(index, [domain, name, credential, seqText, , kind, createdAt]) {
    const seq = Number(seqText);
    index.rows++;
    index.maxSeq = Math.max(index.maxSeq, seq);
    const previous = index.bySeq.get(seq);
    if (previous) index.byKey.delete(accountKey(previous.domain, previous.name));
    if (kind === '-') {
      index.bySeq.delete(seq);
      return;
    }
    const row: AccountRow = {
      domain,
      name,
      seq,
      kind: kind === 'M' ? 'list' : 'user',
      credential: decodeCredential(credential),
      createdAt: new Date(createdAt),
    };
    index.bySeq.set(seq, row);
    index.byKey.set(accountKey(domain, name), seq);
  },
};

export function accountRow(a: AccountRow, dir: string): (string | number)[] {
  return [
    a.domain,
    a.name,
    encodeCredential(a.credential),
    a.seq,
    dir,
    a.kind === 'list' ? 'M' : 'U',
    a.createdAt.toISOString(),
  ];
}

export function tombstoneRow(a: Pick<AccountRow, 'domain' | 'name' | 'seq'>): (string | number)[] {
  return [a.domain, a.name, '', a.seq, '', '-', ''];
}

export function needsCompaction(index: AccountIndex): boolean {
  return index.rows > 2 * index.bySeq.size + 10_000;
}
