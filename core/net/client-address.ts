import { isIPv6 } from 'node:net';

/**
 * The client address as we reason about it: an IPv4 client on a dual-stack socket shows up as
 * `::ffff:a.b.c.d`, which is the IPv4 address `a.b.c.d`. Anything else is returned unchanged.
 */
export function unmapIPv4(address: string): string {
  const groups = isIPv6(address) ? ipv6Groups(address) : null;
  return groups && isMappedIPv4(groups) ? ipv4FromGroups(groups[6], groups[7]) : address;
}

/**
 * Who a login attempt is counted against: an IPv4 address, or the /64 network of an IPv6 address
 * (`2001:db8:1:2::/64`), because one IPv6 host usually holds a whole /64 and could otherwise change
 * address at every attempt. IPv4-mapped IPv6 addresses count as IPv4. A string that is no IP
 * address is returned unchanged.
 */
export function lockoutNetwork(address: string): string {
  if (!isIPv6(address)) return address;
  const groups = ipv6Groups(address);
  if (isMappedIPv4(groups)) return ipv4FromGroups(groups[6], groups[7]);
  const prefix = [...groups.slice(0, 4), 0, 0, 0, 0].map((group) => group.toString(16)).join(':');
  return `${compressIPv6(prefix)}/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (zone id dropped, `::` and a dotted IPv4 tail expanded). */
function ipv6Groups(address: string): number[] {
  let text = address.split('%')[0];
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    text = text.slice(0, dotted.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const parse = (part: string | undefined): number[] =>
    part ? part.split(':').map((group) => Number.parseInt(group, 16)) : [];
  const before = parse(head);
  const after = parse(tail);
  return [...before, ...new Array<number>(8 - before.length - after.length).fill(0), ...after];
}

function isMappedIPv4(groups: number[]): boolean {
  return groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
}

function ipv4FromGroups(high: number, low: number): string {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/** RFC 5952 text (the longest run of zero groups as `::`), as the WHATWG URL parser prints it. */
function compressIPv6(full: string): string {
  return new URL(`http://[${full}]/`).hostname.slice(1, -1);
}
