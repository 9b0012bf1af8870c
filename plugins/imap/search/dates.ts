/**
 * The dates SEARCH and SORT compare: the `date` of a search key (RFC 3501 §9, `1-Feb-1994`), the
 * Date: header a message was sent with (RFC 5322 §3.3, with the obsolete forms of §4.3 read too),
 * and the day numbers BEFORE/ON/SINCE compare, "disregarding time and timezone".
 */

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of a calendar date. */
export function dayNumber(year: number, month: number, day: number): number {
  return Math.floor(Date.UTC(year, month, day) / DAY_MS);
}

/** The UTC calendar day of an instant (internal dates are kept and shown in UTC, see fetch.ts). */
export function utcDayOf(date: Date): number {
  return Math.floor(date.getTime() / DAY_MS);
}

/**
 * `date-text` (RFC 3501 §9): `d-Mon-yyyy` or `dd-Mon-yyyy`, the month in any case, as a day
 * number; undefined when it is not one or names no real day (`30-Feb-2026`).
 */
export function parseSearchDate(text: string): number | undefined {
  const match = /^([0-9]{1,2})-([A-Za-z]{3})-([0-9]{4})$/.exec(text);
  if (!match) return undefined;
  const month = MONTHS.indexOf(match[2].toLowerCase());
  const day = Number(match[1]);
  const year = Number(match[3]);
  if (month < 0 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return dayNumber(year, month, day);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}

/** A Date: header as read: the day it names in its own zone, and the instant (for SORT and THREAD). */
export interface SentDate {
  /** The calendar day written in the header (SENTBEFORE/SENTON/SENTSINCE ignore time and zone). */
  readonly day: number;
  /** Milliseconds since the epoch, in UTC. */
  readonly time: number;
}

/** RFC 5322 §4.3 obsolete zones (military zones other than Z count as +0000, as §4.3 says). */
const ZONES: Record<string, number> = {
  UT: 0,
  GMT: 0,
  Z: 0,
  EST: -500,
  EDT: -400,
  CST: -600,
  CDT: -500,
  MST: -700,
  MDT: -600,
  PST: -800,
  PDT: -700,
};

/**
 * `[day-of-week ","] day month year hour ":" minute [":" second] zone`, comments dropped, folding
 * whitespace anywhere between the parts; two- and three-digit years as RFC 5322 §4.3 reads them.
 * Undefined when the value is not a date.
 */
export function parseSentDate(value: string | undefined): SentDate | undefined {
  if (!value) return undefined;
  const text = value
    .replace(/\([^()]*\)/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const match =
    /^(?:[A-Za-z]{3}\s*,\s*)?([0-9]{1,2})\s+([A-Za-z]{3})[A-Za-z]*\.?\s+([0-9]{2,4})\s+([0-9]{1,2})\s*:\s*([0-9]{2})(?:\s*:\s*([0-9]{2}))?(?:\s+([+-][0-9]{4}|[A-Za-z]{1,5}))?/.exec(
      text,
    );
  if (!match) return undefined;
  const day = Number(match[1]);
  const month = MONTHS.indexOf(match[2].toLowerCase());
  let year = Number(match[3]);
  if (match[3].length === 2) year += year < 50 ? 2000 : 1900;
  else if (match[3].length === 3) year += 1900;
  const hour = Number(match[4]);
  const minute = Number(match[5]);
  const second = match[6] === undefined ? 0 : Number(match[6]);
  if (month < 0 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 60) {
    return undefined;
  }
  const zone = match[7];
  let offset = 0;
  if (zone && /^[+-]/.test(zone)) {
    const hhmm = Number(zone.slice(1));
    offset = (zone[0] === '-' ? -1 : 1) * (Math.floor(hhmm / 100) * 60 + (hhmm % 100));
  } else if (zone) {
    const named = ZONES[zone.toUpperCase()] ?? 0;
    offset = Math.sign(named) * (Math.floor(Math.abs(named) / 100) * 60);
  }
  const local = Date.UTC(year, month, day, hour, minute, second);
  return { day: dayNumber(year, month, day), time: local - offset * 60_000 };
}
