/**
 * The directory: domains, accounts and how addresses route to them. One model that XMail's
 * users/aliases/domains and AltaVista's hierarchical mailboxes are both views of (DESIGN.md).
 */

/** A local domain. Names are stored lower-case. */
export interface Domain {
  name: string;
  createdAt: Date;
}

/** `alias` (possibly a wildcard such as `*.example.org`) is handled as `domain`. */
export interface AliasDomain {
  alias: string;
  domain: string;
}

/**
 * How an account proves its identity. `scrypt` is the default; `legacy` keeps a reversible secret
 * (encrypted with the server key by the accounts service) for APOP, CRAM-MD5 and XMail's clear
 * listings, and exists only when the operator enabled legacy secrets.
 */
export type Credential =
  { scheme: 'scrypt'; hash: string } | { scheme: 'legacy'; secret: string } | { scheme: 'none' };

/** XMail user type: `U` user, `M` mailing list. AltaVista mailing-list mailboxes are `list`. */
export type AccountKind = 'user' | 'list';

/** An address key, `name@domain`, with the domain lower-cased. */
export interface AccountKey {
  domain: string;
  name: string;
}

/**
 * The thing that owns mail and credentials: an XMail user or mailing list, an AltaVista mailbox.
 * `vars` are XMail's user.tab variables in their stored order (names are case-sensitive).
 * `attributes` are the AltaVista attributes kept as ordered value lists (Privileges, ReportTarget,
 * DefaultRedirection, ClientType, FinalDestination and custom ones); Usernames and Members live in
 * their own tables because routing looks them up by value.
 */
export interface Account extends AccountKey {
  /** Unique, never reused; also the insertion order used by XMail's paged userlist. */
  seq: number;
  kind: AccountKind;
  credential: Credential;
  vars: [string, string][];
  attributes: [string, string[]][];
  createdAt: Date;
}

/** Last successful login, per account (XMail `userstat`). */
export interface LoginRecord {
  ip: string;
  at: Date;
  protocol: string;
}

/**
 * One row of the routing table. XMail aliases (`domain`, `alias` pattern → account) and AltaVista
 * Usernames (pattern, optionally with a redirection) are both routes. `domain` is `*` for an
 * AltaVista username without `@`, which matches the local part in every local domain.
 */
export interface AddressRoute {
  domain: string;
  local: string;
  target: AccountKey;
  /** AltaVista username redirection; the first `*` takes the text the wildcard matched. */
  redirect?: string;
  /**
   * XMail alias: the account exactly as `aliasadd` was given it (a bare name or `name@domain`, in
   * the case given), which `aliaslist` shows back as XMail's aliases.tab does. Absent on routes
   * stored before it was kept.
   */
  accountAsGiven?: string;
  origin: 'alias' | 'username';
}

/** XMail external alias: the remote address `name@domain` belongs to a local account. */
export interface ExternalAlias {
  remote: AccountKey;
  local: AccountKey;
}

/** A mailing-list member (XMail mlusers.tab, AltaVista Members). Perms: R, W, A combinations. */
export interface ListMember {
  address: string;
  perms: string;
}

/** XMail POP3 link: fetch `remote` into the local account. */
export interface Pop3Link {
  local: AccountKey;
  remoteDomain: string;
  remoteUser: string;
  /** Encrypted with the server key by the service; adapters store it opaque. */
  remoteSecret: string;
  auth: 'CLR' | 'APOP';
  tls: boolean;
  enabled: boolean;
}

/** An administrator of both admin protocols. The secret is reversible (MD5 challenge logins). */
export interface AdminAccount {
  name: string;
  /** Encrypted with the server key by the service; adapters store it opaque. */
  secret: string;
  privileges: string[];
  createdAt: Date;
}
