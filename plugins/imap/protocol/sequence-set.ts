/**
 * Sequence sets (RFC 3501 §9 `sequence-set`, RFC 5182 `$`): `1:*`, `*:4`, `2,4:7,9`, `$`.
 *
 * A set is kept as written (ranges whose ends may be `*`), because `*` means "the last message"
 * and that changes between commands; it is resolved against a mailbox only when a command runs:
 * message numbers against the message count, UIDs against the UID list. `$` stands for the result
 * the last SEARCH saved (SEARCHRES) and is resolved from that list.
 */
export type SequenceNumber = number | '*';

export interface SequenceRange {
  readonly from: SequenceNumber;
  readonly to: SequenceNumber;
}

export type SequenceSet =
  | { readonly kind: 'ranges'; readonly ranges: readonly SequenceRange[] }
  /** `$`: the saved search result (RFC 5182), only ever alone. */
  | { readonly kind: 'saved' };

/** Message numbers and UIDs are nz-number: 1 .. 2^32-1 (RFC 3501 §9, RFC 9051 §9). */
const MAX_NZ_NUMBER = 0xffffffff;
const NZ_NUMBER = /^[1-9][0-9]*$/;

/** The set written in `text`, or undefined when it is not a valid sequence set. */
export function parseSequenceSet(text: string): SequenceSet | undefined {
  if (text === '$') return { kind: 'saved' };
  if (text === '') return undefined;
  const ranges: SequenceRange[] = [];
  for (const part of text.split(',')) {
    const ends = part.split(':');
    if (ends.length > 2) return undefined;
    const from = parseSequenceNumber(ends[0]);
    const to = ends.length === 2 ? parseSequenceNumber(ends[1]) : from;
    if (from === undefined || to === undefined) return undefined;
    ranges.push({ from, to });
  }
  return { kind: 'ranges', ranges };
}

function parseSequenceNumber(text: string): SequenceNumber | undefined {
  if (text === '*') return '*';
  if (!NZ_NUMBER.test(text) || text.length > 10) return undefined;
  const value = Number(text);
  return value <= MAX_NZ_NUMBER ? value : undefined;
}

/**
 * Whether `value` is in the set, `*` standing for `largest` (the message count, or the highest
 * UID). A range matches in either order (`*:4` is `4:*`, RFC 3501 §9). `$` needs `saved`.
 */
export function sequenceSetIncludes(
  set: SequenceSet,
  value: number,
  largest: number,
  saved: readonly number[] = [],
): boolean {
  if (set.kind === 'saved') return saved.includes(value);
  return set.ranges.some((range) => {
    const from = range.from === '*' ? largest : range.from;
    const to = range.to === '*' ? largest : range.to;
    return value >= Math.min(from, to) && value <= Math.max(from, to);
  });
}

/**
 * The message numbers of a mailbox of `count` messages that the set names, ascending, each once.
 * Numbers beyond `count` name nothing (a command that must refuse them checks before); on an empty
 * mailbox every set, `*` included, is empty.
 */
export function messageNumbers(set: SequenceSet, count: number, saved: readonly number[] = []): number[] {
  if (set.kind === 'saved') return [...new Set(saved)].filter((n) => n >= 1 && n <= count).sort(byNumber);
  const numbers = new Set<number>();
  for (const range of set.ranges) {
    const from = range.from === '*' ? count : range.from;
    const to = range.to === '*' ? count : range.to;
    for (let n = Math.max(1, Math.min(from, to)); n <= Math.min(count, Math.max(from, to)); n++)
      numbers.add(n);
  }
  return [...numbers].sort(byNumber);
}

/**
 * The UIDs of `uids` (a mailbox's UIDs, ascending) that the set names. `*` is the highest UID;
 * a range needs no existing endpoint (`1:100` names every UID in between), as RFC 3501 §6.4.8 says.
 */
export function messageUids(
  set: SequenceSet,
  uids: readonly number[],
  saved: readonly number[] = [],
): number[] {
  const largest = uids.length > 0 ? uids[uids.length - 1] : 0;
  if (set.kind === 'saved') {
    const wanted = new Set(saved);
    return uids.filter((uid) => wanted.has(uid));
  }
  return uids.filter((uid) => sequenceSetIncludes(set, uid, largest));
}

const byNumber = (a: number, b: number): number => a - b;
