/**
 * SORT FROM, TO and CC compare "the addr-mailbox of the first address" (RFC 5256 §3, the local
 * part as IMAP's ENVELOPE gives it). Only that much of an address list is read here.
 */
import { decodeHeaderValue } from './message-text.js';

/**
 * The local part of the first mailbox of an address list (`"Ann" <ann@example.org>, bob@x` is
 * `ann`); groups are looked into, comments and display names skipped. Empty when there is none.
 */
export function firstMailbox(raw: string | undefined): string {
  if (!raw) return '';
  const text = stripComments(raw);
  for (const entry of splitTopLevel(text)) {
    const address = addressOf(entry);
    if (address) return localPart(address);
  }
  return '';
}

/** Comments `( ... )` (nested, outside quoted strings) removed. */
function stripComments(text: string): string {
  let out = '';
  let depth = 0;
  let quoted = false;
  for (let at = 0; at < text.length; at++) {
    const char = text[at];
    if (char === '\\' && (quoted || depth > 0)) {
      if (depth === 0) out += char + (text[at + 1] ?? '');
      at++;
      continue;
    }
    if (depth === 0 && char === '"') quoted = !quoted;
    if (!quoted && char === '(') depth++;
    else if (!quoted && char === ')' && depth > 0) depth--;
    else if (depth === 0) out += char;
  }
  return out;
}

/** Entries separated by `,`, `:` (a group's name) and `;` outside quotes and angle brackets. */
function splitTopLevel(text: string): string[] {
  const entries: string[] = [];
  let current = '';
  let quoted = false;
  let angle = false;
  for (let at = 0; at < text.length; at++) {
    const char = text[at];
    if (char === '\\' && quoted) {
      current += char + (text[at + 1] ?? '');
      at++;
      continue;
    }
    if (char === '"') quoted = !quoted;
    else if (!quoted && char === '<') angle = true;
    else if (!quoted && char === '>') angle = false;
    if (!quoted && !angle && (char === ',' || char === ';' || (char === ':' && !current.includes('@')))) {
      if (char !== ':') entries.push(current);
      current = '';
      continue;
    }
    current += char;
  }
  entries.push(current);
  return entries;
}

/** The address of one entry: inside `<...>` when there is one, else the entry itself. */
function addressOf(entry: string): string | undefined {
  const angle = /<([^>]*)>/.exec(entry);
  const address = (angle ? angle[1] : entry).trim();
  // A route (`<@a,@b:user@host>`) is not part of the mailbox.
  const routeless = address.replace(/^@[^:]*:/, '');
  // Without brackets, words outside quotes are a display name with no address (`Ann Smith`).
  const unquoted = routeless.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  return routeless.length > 0 && (angle || !/\s/.test(unquoted)) ? routeless : undefined;
}

function localPart(address: string): string {
  const at = address.lastIndexOf('@');
  const local = at < 0 ? address : address.slice(0, at);
  const unquoted = /^".*"$/.test(local) ? local.slice(1, -1).replace(/\\(.)/g, '$1') : local;
  return decodeHeaderValue(unquoted);
}
