/**
 * Which messages a SearchKey matches. Each message is judged in up to three rounds, each only when
 * the one before could not decide: first from what the store lists (flags, size, dates, envelope),
 * then from the header fields (HEADER, TEXT), then from the text parts of the body (BODY, TEXT),
 * read in one pass for every string at once. A key that cannot be judged yet is "unknown", and
 * AND, OR and NOT decide as soon as the known keys do: `DELETED BODY x` never reads the body of a
 * message that is not deleted.
 */
import type { BlobStore, MessageMeta } from '../../../core/index.js';
import { sequenceSetIncludes, type SequenceSet } from '../protocol/index.js';
import type { DateOp, SearchKey } from './criteria.js';
import { parseSentDate, utcDayOf, type SentDate } from './dates.js';
import { decodeHeaderValue, forEachHeaderField, scanBodyText } from './message-text.js';
import { containsFolded, StreamMatcher } from './text-match.js';

/** A message of the selected folder as the client numbers it. */
export interface SearchCandidate {
  readonly sequence: number;
  readonly uid: number;
  readonly message: MessageMeta;
}

/** What keys are resolved against, fixed for one command. */
export interface SearchContext {
  readonly blobs: BlobStore;
  /** The message count the client knows (`*` of a message number set). */
  readonly count: number;
  /** The highest UID the client knows (`*` of a UID set). */
  readonly maxUid: number;
  /** The UIDs saved by SEARCH RETURN (SAVE) (`$`, RFC 5182). */
  readonly saved: ReadonlySet<number>;
  /** Milliseconds since the epoch when the command started (YOUNGER, OLDER). */
  readonly now: number;
}

/** What rounds two and three found out about one message. */
interface Facts {
  /** HEADER fields wanted (decoded values), and the TEXT strings found in the header. */
  header?: { fields: Map<string, string[]>; textFound: ReadonlySet<string> };
  /** The BODY and TEXT strings found in the text parts. */
  body?: ReadonlySet<string>;
}

/** What a key tree asks of the header and the body. */
interface Needs {
  headerFields: Set<string>;
  textNeedles: Set<string>;
  bodyNeedles: Set<string>;
}

/** The candidates `key` matches, in the order given. */
export async function searchMessages(
  candidates: readonly SearchCandidate[],
  key: SearchKey,
  context: SearchContext,
): Promise<SearchCandidate[]> {
  const needs: Needs = { headerFields: new Set(), textNeedles: new Set(), bodyNeedles: new Set() };
  collectNeeds(key, needs);
  const readsHeader = needs.headerFields.size > 0 || needs.textNeedles.size > 0;
  const matched: SearchCandidate[] = [];
  for (const candidate of candidates) {
    const facts: Facts = {};
    let verdict = test(key, candidate, facts, context);
    if (verdict === undefined && readsHeader) {
      facts.header = await headerFacts(context.blobs, candidate.message, needs);
      verdict = test(key, candidate, facts, context);
    }
    if (verdict === undefined) {
      const needles = new Set(needs.bodyNeedles);
      for (const needle of needs.textNeedles) if (!facts.header?.textFound.has(needle)) needles.add(needle);
      const matcher = new StreamMatcher(needles);
      if (!matcher.done) await scanBodyText(context.blobs, candidate.message, matcher);
      facts.body = matcher.found;
      verdict = test(key, candidate, facts, context);
    }
    if (verdict) matched.push(candidate);
  }
  return matched;
}

function collectNeeds(key: SearchKey, needs: Needs): void {
  switch (key.kind) {
    case 'and':
      for (const inner of key.keys) collectNeeds(inner, needs);
      break;
    case 'or':
      collectNeeds(key.left, needs);
      collectNeeds(key.right, needs);
      break;
    case 'not':
      collectNeeds(key.key, needs);
      break;
    case 'header':
      needs.headerFields.add(key.field);
      break;
    case 'text':
      needs.textNeedles.add(key.text);
      break;
    case 'body':
      needs.bodyNeedles.add(key.text);
      break;
  }
}

/** true or false when the facts decide, undefined when a later round must. */
function test(
  key: SearchKey,
  candidate: SearchCandidate,
  facts: Facts,
  context: SearchContext,
): boolean | undefined {
  const { message } = candidate;
  switch (key.kind) {
    case 'all':
      return true;
    case 'and': {
      let verdict: boolean | undefined = true;
      for (const inner of key.keys) {
        const one = test(inner, candidate, facts, context);
        if (one === false) return false;
        if (one === undefined) verdict = undefined;
      }
      return verdict;
    }
    case 'or': {
      const left = test(key.left, candidate, facts, context);
      if (left === true) return true;
      const right = test(key.right, candidate, facts, context);
      if (right === true) return true;
      return left === false && right === false ? false : undefined;
    }
    case 'not': {
      const inner = test(key.key, candidate, facts, context);
      return inner === undefined ? undefined : !inner;
    }
    case 'sequence':
      return inSet(key.set, candidate.sequence, context.count, candidate.uid, context);
    case 'uid':
      return inSet(key.set, candidate.uid, context.maxUid, candidate.uid, context);
    case 'flag': {
      const wanted = key.flag.toLowerCase();
      return message.flags.some((flag) => flag.toLowerCase() === wanted) === key.present;
    }
    case 'recent':
      // \Recent is not implemented (no session claims new messages yet): no message is recent,
      // so RECENT and NEW match nothing and OLD matches everything.
      return !key.recent;
    case 'internal-date':
      return compareDay(key.op, key.day, utcDayOf(message.internalDate));
    case 'sent-date': {
      const sent = sentDateOf(message);
      return sent !== undefined && compareDay(key.op, key.day, sent.day);
    }
    case 'size':
      return key.op === 'larger' ? message.size > key.size : message.size < key.size;
    case 'age': {
      const age = context.now - message.internalDate.getTime();
      const younger = age <= key.seconds * 1000;
      return key.op === 'younger' ? younger : !younger;
    }
    case 'envelope': {
      const value = message.envelope[key.field];
      return value !== undefined && containsFolded(decodeHeaderValue(value), key.text);
    }
    case 'header': {
      const values = facts.header?.fields.get(key.field);
      if (!facts.header) return undefined;
      return values !== undefined && values.some((value) => containsFolded(value, key.text));
    }
    case 'text':
      if (!facts.header) return undefined;
      if (facts.header.textFound.has(key.text)) return true;
      return facts.body ? facts.body.has(key.text) : undefined;
    case 'body':
      return facts.body ? facts.body.has(key.text) : undefined;
  }
}

function inSet(
  set: SequenceSet,
  value: number,
  largest: number,
  uid: number,
  context: SearchContext,
): boolean {
  return set.kind === 'saved' ? context.saved.has(uid) : sequenceSetIncludes(set, value, largest);
}

/** BEFORE, ON, SINCE: the message's day against the key's. */
function compareDay(op: DateOp, keyDay: number, messageDay: number): boolean {
  if (op === 'before') return messageDay < keyDay;
  return op === 'on' ? messageDay === keyDay : messageDay >= keyDay;
}

/** The message's Date: header, read (undefined when missing or not a date). */
export function sentDateOf(message: MessageMeta): SentDate | undefined {
  return parseSentDate(message.envelope.date);
}

/** Reads the header once for HEADER's fields and TEXT's strings. */
async function headerFacts(
  blobs: BlobStore,
  message: MessageMeta,
  needs: Needs,
): Promise<NonNullable<Facts['header']>> {
  const fields = new Map<string, string[]>();
  const matcher = new StreamMatcher(needs.textNeedles);
  await forEachHeaderField(blobs, message, ({ name, value }) => {
    const wanted = needs.headerFields.has(name);
    if (!wanted && matcher.done) return;
    const decoded = decodeHeaderValue(value);
    if (wanted) fields.set(name, [...(fields.get(name) ?? []), decoded]);
    matcher.reset();
    matcher.push(`${name}: ${decoded}`);
  });
  return { fields, textFound: matcher.found };
}
