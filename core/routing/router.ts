import type { InjectionToken } from 'tsyringe';
import type { Account, AddressRoute } from '../model/directory.js';
import { checkDomain, checkLocalPart, InvalidNameError } from '../model/names.js';
import type { DirectoryService } from '../directory/directory-service.js';
import { firstStarCapture, isWildcard, matchesWildcard, wildcardSpecificity } from './wildcard.js';

/**
 * Where mail for one address goes. New destinations (custom domains, mailproc) become new kinds;
 * mailing lists are `local` accounts of kind `list`, expanded by the delivery worker.
 */
export type Resolution =
  | { kind: 'local'; account: Account }
  | { kind: 'remote'; domain: string; address: string }
  | { kind: 'unknown-local'; domain: string };

/**
 * One step of routing, without following redirections: what the delivery-time expansion
 * (delivery-expander.ts) needs, since each redirection there becomes a new message (one more hop) whose
 * reverse path may change (AltaVista ReportTarget).
 * - `account`: the address reaches this account (itself, an XMail alias, or a username record
 *   without redirection);
 * - `redirect`: the winning AltaVista username record of `holder` redirects to `to` (its first `*`
 *   already replaced by what the wildcard matched);
 * - `remote`: not a local domain (custom domains are the expansion's business);
 * - `unknown-local`: a local domain, but nobody of that name.
 */
export type Lookup =
  | { kind: 'account'; account: Account }
  | { kind: 'redirect'; holder: Account; to: string }
  | { kind: 'remote'; domain: string; address: string }
  | { kind: 'unknown-local'; domain: string };

/** Redirections followed for one address before giving up (a loop in the routing table). */
const MAX_REDIRECTS = 10;

/**
 * Address routing: local part + domain → account, remote domain, or nobody. It reads the
 * directory on every call (no cache), so a change made by any process applies at once.
 *
 * Order: the domain is made canonical (local domain, then alias domains: exact before wildcard,
 * most specific wildcard first); an address in a local domain then goes to the account of that
 * name, else to the best matching route (exact beats wildcard, then the most literal characters,
 * then a route of the domain beats a domain-less `*` one, then the lexically smallest pattern).
 */
export class Router {
  constructor(private readonly directory: DirectoryService) {}

  /**
   * Where mail for `address` ends up, following username redirections (for RCPT-time checks and
   * admin lookups). @throws InvalidNameError when the address is not `local@domain` with a valid domain
   */
  async resolve(address: string): Promise<Resolution> {
    let current = address;
    for (let redirects = 0; ; redirects++) {
      const step = await this.lookup(current);
      switch (step.kind) {
        case 'account':
          return { kind: 'local', account: step.account };
        case 'remote':
        case 'unknown-local':
          return step;
        case 'redirect':
          if (redirects >= MAX_REDIRECTS) return { kind: 'unknown-local', domain: step.holder.domain };
          current = step.to;
      }
    }
  }

  /** One routing step (see Lookup). @throws InvalidNameError as resolve does */
  async lookup(address: string): Promise<Lookup> {
    const at = address.lastIndexOf('@');
    if (at <= 0) throw new InvalidNameError('address', address, 'expected local-part@domain');
    const local = address.slice(0, at);
    const domain = checkDomain(address.slice(at + 1));

    const localDomain = await this.canonicalDomain(domain);
    if (localDomain === null) return { kind: 'remote', domain, address };
    // A local part we would refuse to store cannot name an account here.
    if (!isValidLocalPart(local)) return { kind: 'unknown-local', domain: localDomain };

    const account = await this.directory.getAccount({ domain: localDomain, name: local });
    if (account) return { kind: 'account', account };

    const route = await this.bestRoute(localDomain, local);
    const holder = route ? await this.directory.getAccount(route.target) : null;
    if (!route || !holder) return { kind: 'unknown-local', domain: localDomain };
    if (route.redirect === undefined) return { kind: 'account', account: holder };
    return {
      kind: 'redirect',
      holder,
      to: route.redirect.replace('*', firstStarCapture(route.local, local)),
    };
  }

  /**
   * The local domain `domain` (lower-case, valid) stands for: itself, or the real domain of the most
   * specific alias domain matching it; null when it is not ours. The admin services use it too.
   */
  async canonicalDomain(domain: string): Promise<string | null> {
    if (await this.directory.isLocalDomain(domain)) return domain;
    let best: { domain: string; rank: number } | undefined;
    for (const entry of await this.directory.aliasDomains()) {
      if (!isWildcard(entry.alias)) {
        if (entry.alias === domain) return entry.domain;
      } else if (matchesWildcard(entry.alias, domain)) {
        const rank = wildcardSpecificity(entry.alias);
        if (!best || rank > best.rank) best = { domain: entry.domain, rank };
      }
    }
    return best?.domain ?? null;
  }

  private async bestRoute(domain: string, local: string): Promise<AddressRoute | null> {
    const [own, everyDomain] = await Promise.all([
      this.directory.routesForDomain(domain),
      this.directory.routesForDomain('*'),
    ]);
    let best: { route: AddressRoute; rank: number[] } | undefined;
    for (const [routes, domainRank] of [
      [own, 1],
      [everyDomain, 0],
    ] as const) {
      for (const route of routes) {
        if (!matchesWildcard(route.local, local)) continue;
        const rank = [isWildcard(route.local) ? 0 : 1, wildcardSpecificity(route.local), domainRank];
        const order = best ? compareRanks(rank, best.rank) : 1;
        // Last tie-break (AltaVista §2.8): the lexically smallest username wins.
        if (
          order > 0 ||
          (order === 0 && best && route.local.toLowerCase() < best.route.local.toLowerCase())
        ) {
          best = { route, rank };
        }
      }
    }
    return best?.route ?? null;
  }
}

function isValidLocalPart(local: string): boolean {
  try {
    checkLocalPart(local);
    return true;
  } catch {
    return false;
  }
}

/** Lexicographic: the first differing component decides. */
function compareRanks(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

export const RouterToken = Symbol.for('mailwright.Router') as InjectionToken<Router>;
