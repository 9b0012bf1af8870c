/**
 * Attribute value syntaxes (spec §2.2, the original's "Syntaxes" section): a parser and a
 * formatter for each. Parsers take the value exactly as an attribute line carries it and throw
 * `524 Invalid value` when it breaks the syntax; `normaliseValue` gives the canonical text to store
 * and show (privileges in canonical case, IP domains bracketed, domains lower-cased).
 */
import {
  checkAddress,
  checkHost,
  checkIpAddress,
  checkLogName,
  checkMailboxName,
  checkOpaqueId,
  checkUsername,
} from './names.js';
import { AvProtocolError } from './responses.js';
import { asciiLowerCase } from '../../../core/index.js';

export type ValueSyntax =
  | 'interval'
  | 'time'
  | 'count'
  | 'boolean'
  | 'address'
  /** An address or the null reverse path `<>` (a Message's ReversePath). */
  | 'reverse-path'
  | 'host'
  | 'text'
  | 'privilege'
  | 'client-type'
  | 'username-record'
  | 'ip-address'
  /** An attribute, log or event-parameter name: the lists `Attributes`, `Logs`, `Parameters`. */
  | 'attribute-name'
  | 'log-name'
  | 'mailbox-name'
  /** A domain entity's name, as the `Domains` list shows it. */
  | 'domain-name'
  | 'message-id'
  | 'event-id'
  | 'location';

function invalid(detail: string): AvProtocolError {
  return AvProtocolError.of('INVALID_VALUE', detail);
}

/** `count` and `interval`: an unsigned decimal integer (leading zeros allowed in, never out). */
function parseUnsigned(text: string, what: string): number {
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value)) throw invalid(`${what} must be an unsigned decimal integer`);
  return value;
}

/** `interval`: a number of seconds. */
export function parseInterval(text: string): number {
  return parseUnsigned(text, 'an interval');
}

export function formatInterval(seconds: number): string {
  return String(Math.trunc(seconds));
}

/** `count`: an unsigned decimal integer. */
export function parseCount(text: string): number {
  return parseUnsigned(text, 'a count');
}

export function formatCount(count: number): string {
  return String(Math.trunc(count));
}

/** `boolean`: exactly `0` or `1`. */
export function parseBoolean(text: string): boolean {
  if (text === '1') return true;
  if (text === '0') return false;
  throw invalid('a boolean is 0 or 1');
}

export function formatBoolean(value: boolean): '0' | '1' {
  return value ? '1' : '0';
}

const TIME =
  /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$/;

/**
 * `time`: RFC 1123 in GMT exactly as `Date.prototype.toUTCString()` writes it. A value is valid
 * only if formatting its instant gives it back, which also rejects a wrong weekday or `31 Feb`.
 */
export function parseTime(text: string): Date {
  const date = TIME.test(text) ? new Date(text) : undefined;
  if (date === undefined || formatTime(date) !== text)
    throw invalid('a time is like "Fri, 13 Sep 1996 14:30:00 GMT"');
  return date;
}

/** Whole seconds: the syntax has no fractions. */
export function formatTime(date: Date): string {
  return new Date(Math.floor(date.getTime() / 1000) * 1000).toUTCString();
}

/** `address`: `local@domain`, the domain lower-cased. */
export function parseAddress(text: string): string {
  const address = checkAddress(text);
  if (address === undefined) throw invalid('an address is local@domain');
  return address;
}

/** The null reverse path. */
export const NULL_REVERSE_PATH = '<>';

/** A reverse path: an address, or `<>`. */
export function parseReversePath(text: string): string {
  return text === NULL_REVERSE_PATH ? text : parseAddress(text);
}

/** `host`: a domain name (lower-cased) or `[a.b.c.d]`; a bare address gets its brackets. */
export function parseHost(text: string): string {
  const host = checkHost(text);
  if (host === undefined) throw invalid('a host is a domain name or [a.b.c.d]');
  return host;
}

/** `text`: anything but CR and LF. */
export function parseText(text: string): string {
  if (/[\r\n]/.test(text)) throw invalid('text holds no line break');
  return text;
}

export const PRIVILEGES = ['Administration', 'Monitor', 'ReadAllMail', 'WriteLog'] as const;
export type Privilege = (typeof PRIVILEGES)[number];

/** `privilege`: case-insensitive in, canonical out. */
export function parsePrivilege(text: string): Privilege {
  const privilege = PRIVILEGES.find((name) => asciiLowerCase(name) === asciiLowerCase(text));
  if (privilege === undefined) throw invalid(`a privilege is one of ${PRIVILEGES.join(', ')}`);
  return privilege;
}

export interface ClientType {
  /** One word. */
  readonly name: string;
  /** Free text. */
  readonly description: string;
}

/** `client-type`: `name SP description`, as the server's ClientTypes holds it. */
export function parseClientType(text: string): ClientType {
  const match = /^([^ \t\r\n]+) ([^\r\n]*\S[^\r\n]*)$/.exec(text);
  if (!match) throw invalid('a client type is a name, a space and a description');
  return { name: match[1], description: match[2] };
}

export function formatClientType(type: ClientType): string {
  return `${type.name} ${type.description}`;
}

/**
 * A mailbox's ClientType as written on input (§2.6.3): the first word alone is enough, so this
 * returns the name to look up in the server's ClientTypes, whose full value is then stored.
 */
export function parseClientTypeName(text: string): string {
  const name = /^([^ \t\r\n]+)( [^\r\n]*)?$/.exec(text)?.[1];
  if (name === undefined) throw invalid('a client type starts with its name');
  return name;
}

export interface UsernameRecord {
  readonly username: string;
  readonly redirection?: string;
}

/**
 * `username-record`: `username [SP redirection-address]`. A username starting with `*` is a
 * wildcard (§2.8); the redirection may hold `*`s, the first of which takes the matched text.
 */
export function parseUsernameRecord(text: string): UsernameRecord {
  const space = text.indexOf(' ');
  const username = checkUsername(space < 0 ? text : text.slice(0, space));
  if (username === undefined) throw invalid('a username is a local part or local@domain');
  if (space < 0) return { username };
  return { username, redirection: parseAddress(text.slice(space + 1)) };
}

export function formatUsernameRecord(record: UsernameRecord): string {
  return record.redirection === undefined ? record.username : `${record.username} ${record.redirection}`;
}

/** Where a message is (a Message's `Location`). */
export type MessageLocation =
  | { readonly kind: 'Server' }
  | { readonly kind: 'Domain'; readonly name: string }
  | { readonly kind: 'Mailbox'; readonly name: string };

/** `Server`, `Domain <name>` or `Mailbox <name>`. */
export function formatLocation(location: MessageLocation): string {
  return location.kind === 'Server' ? 'Server' : `${location.kind} ${location.name}`;
}

export function parseLocation(text: string): MessageLocation {
  if (text === 'Server') return { kind: 'Server' };
  const match = /^(Domain|Mailbox) (\S+)$/.exec(text);
  const name = match && (match[1] === 'Domain' ? checkHost(match[2]) : checkMailboxName(match[2]));
  if (!match || !name) throw invalid('a location is Server, Domain <name> or Mailbox <name>');
  return { kind: match[1] as 'Domain' | 'Mailbox', name };
}

/** Custom attributes are named with letters and digits (§2.6.3); builtin names are too. */
export const ATTRIBUTE_NAME = /^[A-Za-z0-9]+$/;

function checked(value: string | undefined, what: string): string {
  if (value === undefined) throw invalid(`not ${what}`);
  return value;
}

/**
 * The canonical text of a value of `syntax`, or `524 Invalid value`. Handlers call this before
 * storing a value, and may call it on output.
 */
export function normaliseValue(syntax: ValueSyntax, text: string): string {
  switch (syntax) {
    case 'interval':
      return formatInterval(parseInterval(text));
    case 'count':
      return formatCount(parseCount(text));
    case 'time':
      return formatTime(parseTime(text));
    case 'boolean':
      return formatBoolean(parseBoolean(text));
    case 'address':
      return parseAddress(text);
    case 'reverse-path':
      return parseReversePath(text);
    case 'host':
      return parseHost(text);
    case 'text':
      return parseText(text);
    case 'privilege':
      return parsePrivilege(text);
    case 'client-type':
      return formatClientType(parseClientType(text));
    case 'username-record':
      return formatUsernameRecord(parseUsernameRecord(text));
    case 'ip-address':
      return checked(checkIpAddress(text), 'an IP address');
    case 'attribute-name':
      return checked(ATTRIBUTE_NAME.test(text) ? text : undefined, 'an attribute name');
    case 'log-name':
      return checked(checkLogName(text), 'a log name');
    case 'mailbox-name':
      return checked(checkMailboxName(text), 'a mailbox name');
    case 'domain-name':
      return checked(checkHost(text), 'a domain name');
    // Event ids look like `<unix-seconds>.<sequence>` (§2.9) but, like message ids, are opaque (§2.1).
    case 'message-id':
    case 'event-id':
      return checked(checkOpaqueId(text), 'an id');
    case 'location':
      return formatLocation(parseLocation(text));
  }
}
