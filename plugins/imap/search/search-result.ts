/**
 * What SEARCH answers with: `* SEARCH 2 3 5`, or with RETURN options the ESEARCH response of
 * RFC 4731 (`* ESEARCH (TAG "A1") UID MIN 2 MAX 9 COUNT 3 ALL 2,5:9`), and which matches RETURN
 * (SAVE) keeps for `$` (RFC 5182 §2.4).
 */
import { atom, describeArg, ImapParseError, type ImapArg, type ResponseValue } from '../protocol/index.js';

export interface ReturnOptions {
  readonly min: boolean;
  readonly max: boolean;
  readonly count: boolean;
  readonly all: boolean;
  readonly save: boolean;
}

const OPTION_NAMES = ['MIN', 'MAX', 'COUNT', 'ALL', 'SAVE'] as const;

/** The list after RETURN; `RETURN ()` means ALL (RFC 4731 §3.1). */
export function parseReturnOptions(arg: ImapArg | undefined, tag: string): ReturnOptions {
  if (arg?.type !== 'list') {
    throw new ImapParseError(
      tag,
      `RETURN needs a list of options, got ${arg ? describeArg(arg) : 'nothing'}`,
    );
  }
  const chosen = new Set<string>();
  for (const item of arg.items) {
    const name = item.type === 'atom' ? item.value.toUpperCase() : undefined;
    if (!name || !(OPTION_NAMES as readonly string[]).includes(name)) {
      throw new ImapParseError(tag, `Unknown SEARCH return option ${describeArg(item)}`);
    }
    chosen.add(name);
  }
  if (chosen.size === 0) chosen.add('ALL');
  return {
    min: chosen.has('MIN'),
    max: chosen.has('MAX'),
    count: chosen.has('COUNT'),
    all: chosen.has('ALL'),
    save: chosen.has('SAVE'),
  };
}

/**
 * The ESEARCH response's values for the `matches` (ascending message numbers, or UIDs when `uid`),
 * or undefined when SAVE is the only option (RFC 5182 §2.4: no ESEARCH response then).
 */
export function esearchResponse(
  tag: string,
  uid: boolean,
  matches: readonly number[],
  options: ReturnOptions,
): ResponseValue[] | undefined {
  if (!options.min && !options.max && !options.count && !options.all) return undefined;
  const values: ResponseValue[] = [atom('ESEARCH'), [atom('TAG'), tag]];
  if (uid) values.push(atom('UID'));
  if (matches.length > 0) {
    if (options.min) values.push(atom('MIN'), matches[0]);
    if (options.max) values.push(atom('MAX'), matches[matches.length - 1]);
  }
  if (options.count) values.push(atom('COUNT'), matches.length);
  if (options.all && matches.length > 0) values.push(atom('ALL'), atom(compressSet(matches)));
  return values;
}

/**
 * What RETURN (SAVE) keeps (`matches` as UIDs): only the minimum and/or maximum when those are all
 * that was asked besides SAVE, every match otherwise (RFC 5182 §2.4).
 */
export function savedMatches(matches: readonly number[], options: ReturnOptions): number[] {
  if (options.all || options.count || (!options.min && !options.max)) return [...matches];
  const kept = new Set<number>();
  if (matches.length > 0 && options.min) kept.add(matches[0]);
  if (matches.length > 0 && options.max) kept.add(matches[matches.length - 1]);
  return [...kept].sort((a, b) => a - b);
}

/** Ascending numbers as a sequence set: `1,2,3,5` is `1:3,5`. */
export function compressSet(numbers: readonly number[]): string {
  const parts: string[] = [];
  let start = numbers[0];
  let previous = numbers[0];
  for (let index = 1; index <= numbers.length; index++) {
    const value = numbers[index];
    if (value === previous + 1) {
      previous = value;
      continue;
    }
    parts.push(start === previous ? String(start) : `${start}:${previous}`);
    start = previous = value;
  }
  return parts.join(',');
}
