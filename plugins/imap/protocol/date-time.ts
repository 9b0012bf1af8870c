/** RFC 3501 `date-time` (`"02-Dec-2026 20:37:17 +0000"`): INTERNALDATE, APPEND's date. */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DATE_TIME = /^([ \d]?\d)-([A-Za-z]{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)$/;

/** Written in UTC (`+0000`). */
export function formatDateTime(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return (
    `${pad(date.getUTCDate())}-${MONTHS[date.getUTCMonth()]}-${date.getUTCFullYear()} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}

/** The instant a date-time names, or undefined when it is not one (or names no real day). */
export function parseDateTime(text: string): Date | undefined {
  const match = DATE_TIME.exec(text);
  if (!match) return undefined;
  const [, day, monthName, year, hours, minutes, seconds, sign, zoneHours, zoneMinutes] = match;
  const month = MONTHS.findIndex((name) => name.toLowerCase() === monthName.toLowerCase());
  if (month < 0 || Number(hours) > 23 || Number(minutes) > 59 || Number(seconds) > 60) return undefined;
  const utc = Date.UTC(
    Number(year),
    month,
    Number(day.trim()),
    Number(hours),
    Number(minutes),
    Number(seconds),
  );
  if (new Date(utc).getUTCDate() !== Number(day.trim())) return undefined;
  const offset = (Number(zoneHours) * 60 + Number(zoneMinutes)) * 60_000;
  return new Date(sign === '+' ? utc - offset : utc + offset);
}
