/**
 * The forms of entity names and other command arguments (spec §2.1, §2.5). Each check returns the
 * name in the form the rest of the plugin uses, or undefined when it is malformed; the caller picks
 * the error (`501` for a command argument, `524` for an attribute value).
 */
import { isIPv4, isIP } from 'node:net';
import { asciiLowerCase } from '../../../core/index.js';

/** The null name `""`: the root mailbox, root domain or root log. */
export const ROOT_NAME = '';

const CONTROL = /[\x00-\x1f\x7f]/; // eslint-disable-line no-control-regex

/**
 * A mailbox name: `@`-separated components, none empty, of printable characters other than
 * space, `"` and `\`. Case is kept (names are case-preserving, compared case-insensitively).
 */
export function checkMailboxName(name: string): string | undefined {
  if (CONTROL.test(name) || /[ \t"\\]/.test(name)) return undefined;
  return name.split('@').every((component) => component !== '') ? name : undefined;
}

/** The superior of `a@b@m` is `b@m`; a one-component name is top-level and has none. */
export function superiorMailbox(name: string): string | undefined {
  const at = name.indexOf('@');
  return at < 0 ? undefined : name.slice(at + 1);
}

// The same label rule as core's domain names (letters, digits, `-`, `_`, single dots), so a name
// accepted here can be stored.
const DOMAIN = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const MAX_DOMAIN = 253;
const DOTTED_QUAD = /^\d+\.\d+\.\d+\.\d+$/;

/**
 * A host or domain name (the `host` syntax of §2.2, and the domain names of §2.1), lower-cased.
 * An IP address is `[a.b.c.d]`; a bare `a.b.c.d` is normalised to that form. Four numeric labels
 * that are not a valid address (`1.2.3.400`) are refused rather than taken for a domain name.
 */
export function checkHost(name: string): string | undefined {
  const bracketed = /^\[(.*)\]$/.exec(name);
  if (bracketed) return isIPv4(bracketed[1]) ? name : undefined;
  if (DOTTED_QUAD.test(name)) return isIPv4(name) ? `[${name}]` : undefined;
  return name.length <= MAX_DOMAIN && DOMAIN.test(name) ? asciiLowerCase(name) : undefined;
}

/** The superior of `dec.com` is `com`; top-level names and IP-address domains have none. */
export function superiorDomain(name: string): string | undefined {
  if (name.startsWith('[')) return undefined;
  const dot = name.indexOf('.');
  return dot < 0 ? undefined : name.slice(dot + 1);
}

/** A log name: one bare word (no space, tab, `"` or control character). Case is kept. */
export function checkLogName(name: string): string | undefined {
  return name !== '' && !CONTROL.test(name) && !/[ \t"]/.test(name) ? name : undefined;
}

/** Message and event ids: opaque words of `[A-Za-z0-9._-]` (§2.1). */
export function checkOpaqueId(id: string): string | undefined {
  return /^[A-Za-z0-9._-]+$/.test(id) ? id : undefined;
}

// RFC 821 <dot-string>: atoms of any printable ASCII but the specials and space, joined by dots.
const ATOM = "[!#$%&'*+\\-/=?^_`{|}~A-Za-z0-9]+";
const DOT_STRING = new RegExp(`^${ATOM}(\\.${ATOM})*$`);
// RFC 821 <quoted-string>: any printable ASCII but `"` and `\`, or a `\`-quoted character.
const QUOTED_STRING = /^"([ !#-[\]-~]|\\[ -~])*"$/;

/** An RFC 821 local part: a dot-string or a quoted string. */
export function checkLocalPart(local: string): string | undefined {
  return DOT_STRING.test(local) || QUOTED_STRING.test(local) ? local : undefined;
}

/**
 * The `address` syntax (§2.2): an RFC 821 path without angle brackets, `local@domain`. The local
 * part is split at the last `@`, since a quoted local part may hold one. The domain is lower-cased.
 */
export function checkAddress(address: string): string | undefined {
  const at = address.lastIndexOf('@');
  if (at <= 0) return undefined;
  const local = checkLocalPart(address.slice(0, at));
  const domain = checkHost(address.slice(at + 1));
  return local !== undefined && domain !== undefined ? `${local}@${domain}` : undefined;
}

/**
 * A username, as Lookup takes it and as a username-record holds it (§2.8): a local part, or
 * `local@domain`. A leading `*` is the wildcard and is itself an atom character, so `*` and
 * `*-list` pass as local parts.
 */
export function checkUsername(username: string): string | undefined {
  return username.includes('@') ? checkAddress(username) : checkLocalPart(username);
}

/** An IP address as `Proxy Address` gives it: IPv4 or IPv6 text (the HTTP layer passes the browser's). */
export function checkIpAddress(address: string): string | undefined {
  return isIP(address) !== 0 ? address : undefined;
}
