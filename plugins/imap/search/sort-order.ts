/**
 * SORT's criteria (RFC 5256 §3): ARRIVAL, CC, DATE, FROM, SIZE, SUBJECT, TO, each optionally after
 * REVERSE; messages equal under all of them stay in mailbox order (by sequence number).
 */
import { describeArg, ImapParseError, type ImapArg } from '../protocol/index.js';
import { firstMailbox } from './addresses.js';
import { asciiCasemap, baseSubject, compareOctets } from './base-subject.js';
import { sentDateOf, type SearchCandidate } from './evaluate.js';

export type SortKey = 'ARRIVAL' | 'CC' | 'DATE' | 'FROM' | 'SIZE' | 'SUBJECT' | 'TO';

export interface SortCriterion {
  readonly key: SortKey;
  readonly reverse: boolean;
}

const SORT_KEYS: ReadonlySet<string> = new Set(['ARRIVAL', 'CC', 'DATE', 'FROM', 'SIZE', 'SUBJECT', 'TO']);

/** The parenthesised sort criteria of SORT, or a BAD naming what is wrong. */
export function parseSortCriteria(arg: ImapArg | undefined, tag: string): SortCriterion[] {
  if (arg?.type !== 'list') {
    throw new ImapParseError(
      tag,
      `Expected a list of sort criteria, got ${arg ? describeArg(arg) : 'nothing'}`,
    );
  }
  if (arg.items.length === 0) throw new ImapParseError(tag, 'Empty list of sort criteria');
  const criteria: SortCriterion[] = [];
  let reverse = false;
  for (const item of arg.items) {
    const name = item.type === 'atom' ? item.value.toUpperCase() : undefined;
    if (name === 'REVERSE') {
      if (reverse) throw new ImapParseError(tag, 'REVERSE must be followed by a sort criterion');
      reverse = true;
      continue;
    }
    if (name === undefined || !SORT_KEYS.has(name)) {
      throw new ImapParseError(tag, `Unknown sort criterion ${describeArg(item)}`);
    }
    criteria.push({ key: name as SortKey, reverse });
    reverse = false;
  }
  if (reverse) throw new ImapParseError(tag, 'REVERSE must be followed by a sort criterion');
  return criteria;
}

/**
 * The sent date of RFC 5256 §2.2 in milliseconds (UTC): the Date: header, or the internal date when
 * it is missing or cannot be read.
 */
export function sentTime(candidate: SearchCandidate): number {
  return sentDateOf(candidate.message)?.time ?? candidate.message.internalDate.getTime();
}

/** The candidates in the order the criteria give; each value is worked out once per message. */
export function sortMessages(
  candidates: readonly SearchCandidate[],
  criteria: readonly SortCriterion[],
): SearchCandidate[] {
  const values = new Map<SearchCandidate, (string | number)[]>(
    candidates.map((candidate) => [candidate, criteria.map(({ key }) => sortValue(candidate, key))]),
  );
  return [...candidates].sort((a, b) => {
    const left = values.get(a)!;
    const right = values.get(b)!;
    for (const [index, { reverse }] of criteria.entries()) {
      const x = left[index];
      const y = right[index];
      const order =
        typeof x === 'number' && typeof y === 'number' ? x - y : compareOctets(String(x), String(y));
      if (order !== 0) return reverse ? -order : order;
    }
    return a.sequence - b.sequence;
  });
}

function sortValue(candidate: SearchCandidate, key: SortKey): string | number {
  const { message } = candidate;
  switch (key) {
    case 'ARRIVAL':
      return message.internalDate.getTime();
    case 'DATE':
      return sentTime(candidate);
    case 'SIZE':
      return message.size;
    case 'SUBJECT':
      return asciiCasemap(baseSubject(message.envelope.subject).subject);
    case 'FROM':
      return asciiCasemap(firstMailbox(message.envelope.from));
    case 'TO':
      return asciiCasemap(firstMailbox(message.envelope.to));
    case 'CC':
      return asciiCasemap(firstMailbox(message.envelope.cc));
  }
}
