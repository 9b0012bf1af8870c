/**
 * The root tables, in XMail's formats where XMail has them (Mailwright's extra columns come after
 * XMail's): domains.tab, aliasdomain.tab, aliases.tab, extaliases.tab, pop3links.tab, ctrlaccounts.tab.
 */
import type {
  AddressRoute,
  AdminAccount,
  AliasDomain,
  Domain,
  ExternalAlias,
  Pop3Link,
} from '../../core/model/index.js';
import type { Layout } from './layout.js';
import { ownerOnly } from './modes.js';
import { Table, type RowCodec } from './table.js';

/** `"domain" "created-at"` */
const domainCodec: RowCodec<Domain> = {
  decode: ([name, createdAt]) => ({ name, createdAt: new Date(createdAt ?? 0) }),
  encode: (d) => [d.name, d.createdAt.toISOString()],
};

/** `"alias-domain" "real-domain"` (XMail's order: alias first) */
const aliasDomainCodec: RowCodec<AliasDomain> = {
  decode: ([alias, domain]) => ({ alias, domain }),
  encode: (a) => [a.alias, a.domain],
};

/**
 * `"domain" "alias" "account" "account-domain" "origin" ["redirect" ["account as given"]]`; an
 * empty column is an absent value (neither is ever empty when present).
 */
const routeCodec: RowCodec<AddressRoute> = {
  decode: ([domain, local, name, targetDomain, origin, redirect, accountAsGiven]) => ({
    domain,
    local,
    target: { domain: targetDomain ?? domain, name },
    origin: origin === 'username' ? 'username' : 'alias',
    ...(redirect ? { redirect } : {}),
    ...(accountAsGiven ? { accountAsGiven } : {}),
  }),
  encode: (r) => [
    r.domain,
    r.local,
    r.target.name,
    r.target.domain,
    r.origin,
    r.redirect ?? '',
    r.accountAsGiven ?? '',
  ],
};

/** `"rmt-domain" "rmt-name" "loc-domain" "loc-name"` */
const extAliasCodec: RowCodec<ExternalAlias> = {
  decode: ([rd, rn, ld, ln]) => ({ remote: { domain: rd, name: rn }, local: { domain: ld, name: ln } }),
  encode: (x) => [x.remote.domain, x.remote.name, x.local.domain, x.local.name],
};

/** `"ldom" "luser" "rdom" "ruser" "enc-pass" "auth" "tls" "enabled"` */
const pop3LinkCodec: RowCodec<Pop3Link> = {
  decode: ([ld, lu, rd, ru, secret, auth, tls, enabled]) => ({
    local: { domain: ld, name: lu },
    remoteDomain: rd,
    remoteUser: ru,
    remoteSecret: secret,
    auth: auth === 'APOP' ? 'APOP' : 'CLR',
    tls: tls === '1',
    enabled: enabled !== '0',
  }),
  encode: (l) => [
    l.local.domain,
    l.local.name,
    l.remoteDomain,
    l.remoteUser,
    l.remoteSecret,
    l.auth,
    l.tls ? '1' : '0',
    l.enabled ? '1' : '0',
  ],
};

/** `"name" "enc-secret" "privileges,comma,separated" "created-at"` */
const adminCodec: RowCodec<AdminAccount> = {
  decode: ([name, secret, privileges, createdAt]) => ({
    name,
    secret,
    privileges: privileges ? privileges.split(',') : [],
    createdAt: new Date(createdAt ?? 0),
  }),
  encode: (a) => [a.name, a.secret, a.privileges.join(','), a.createdAt.toISOString()],
};

export interface RootTables {
  domains: Table<Domain>;
  aliasDomains: Table<AliasDomain>;
  routes: Table<AddressRoute>;
  extAliases: Table<ExternalAlias>;
  pop3Links: Table<Pop3Link>;
  admins: Table<AdminAccount>;
}

export function openRootTables(layout: Layout): RootTables {
  const table = <R>(file: string, codec: RowCodec<R>, mode?: number): Table<R> =>
    new Table(layout.rootFile(file), layout.lock(file), layout, codec, mode);
  return {
    domains: table('domains.tab', domainCodec),
    aliasDomains: table('aliasdomain.tab', aliasDomainCodec),
    routes: table('aliases.tab', routeCodec),
    extAliases: table('extaliases.tab', extAliasCodec),
    pop3Links: table('pop3links.tab', pop3LinkCodec),
    // Admin secrets are reversible (MD5 challenge logins): never world-readable.
    admins: table('ctrlaccounts.tab', adminCodec, ownerOnly(layout.modes.file)),
  };
}
