/** Alias, external alias, domain, alias-domain and POP3 link commands (spec §2). */
import { wildMatchAnyIgnoreCase, wildMatchIgnoreCase } from '../protocol/index.js';
import { checkHostLabels, OK, splitPattern, type CtrlHandler } from './context.js';

const aliasadd: CtrlHandler = async ([domain, alias, account], { routes }) => {
  await routes.addAlias(domain, alias, account);
  return OK;
};

const aliasdel: CtrlHandler = async ([domain, alias], { routes }) => {
  await routes.deleteAlias(domain, alias);
  return OK;
};

/**
 * Rows `"domain" "alias" "account"`, the account as aliasadd was given it (XMail's aliases.tab).
 * A route stored before that was kept shows the account bare when it is in the alias's domain.
 */
const aliaslist: CtrlHandler = async ([domain = '*', alias = '*', account = '*'], { routes }) => {
  const rows: string[][] = [];
  for (const route of await routes.listAliases()) {
    const target =
      route.accountAsGiven ??
      (route.target.domain === route.domain
        ? route.target.name
        : `${route.target.name}@${route.target.domain}`);
    if (
      wildMatchIgnoreCase(route.domain, domain) &&
      wildMatchIgnoreCase(route.local, alias) &&
      wildMatchIgnoreCase(target, account)
    ) {
      rows.push([route.domain, route.local, target]);
    }
  }
  return { kind: 'rows', rows };
};

const exaliasadd: CtrlHandler = async ([local, remote], { routes }) => {
  await routes.addExternalAlias(local, remote);
  return OK;
};

const exaliasdel: CtrlHandler = async ([remote], { routes }) => {
  await routes.deleteExternalAlias(remote);
  return OK;
};

/** Each filter is `name@domain` matched part-wise (so a lone `*` is -00132; use `*@*`). */
const exaliaslist: CtrlHandler = async ([local = '*@*', remote = '*@*'], { routes }) => {
  const localPattern = splitPattern(local);
  const remotePattern = splitPattern(remote);
  const rows = (await routes.listExternalAliases())
    .filter(
      (alias) =>
        wildMatchIgnoreCase(alias.local.name, localPattern.name) &&
        wildMatchIgnoreCase(alias.local.domain, localPattern.domain) &&
        wildMatchIgnoreCase(alias.remote.name, remotePattern.name) &&
        wildMatchIgnoreCase(alias.remote.domain, remotePattern.domain),
    )
    .map((alias) => [alias.remote.domain, alias.remote.name, alias.local.domain, alias.local.name]);
  return { kind: 'rows', rows };
};

const domainadd: CtrlHandler = async ([domain], { domains }) => {
  checkHostLabels(domain);
  await domains.add(domain);
  return OK;
};

const domaindel: CtrlHandler = async ([domain], { domains }) => {
  await domains.delete(domain);
  return OK;
};

/** Any number of patterns, OR-ed; none lists every domain. */
const domainlist: CtrlHandler = async (patterns, { domains }) => ({
  kind: 'rows',
  rows: (await domains.list())
    .filter((domain) => patterns.length === 0 || wildMatchAnyIgnoreCase(domain, patterns))
    .map((domain) => [domain]),
});

const aliasdomainadd: CtrlHandler = async ([domain, alias], { domains }) => {
  await domains.addAlias(domain, alias);
  return OK;
};

const aliasdomaindel: CtrlHandler = async ([alias], { domains }) => {
  await domains.deleteAlias(alias);
  return OK;
};

/** `[dompat [adompat]]`; with three or more filters XMail matches nothing (§2). */
const aliasdomainlist: CtrlHandler = async (filters, { domains }) => {
  const [domain = '*', alias = '*'] = filters;
  const rows =
    filters.length > 2
      ? []
      : (await domains.listAliases())
          .filter(
            (entry) => wildMatchIgnoreCase(entry.domain, domain) && wildMatchIgnoreCase(entry.alias, alias),
          )
          .map((entry) => [entry.domain, entry.alias]);
  return { kind: 'rows', rows };
};

/** `poplnkadd ldom luser rdom ruser rpass authtype`: XMail checks nothing; APOP or else clear-text. */
const poplnkadd: CtrlHandler = async (
  [domain, name, remoteDomain, remoteUser, password, auth],
  { pop3Links },
) => {
  await pop3Links.addPop3Link({
    local: { domain, name },
    remoteDomain,
    remoteUser,
    password,
    auth: /^apop/i.test(auth) ? 'APOP' : 'CLR',
  });
  return OK;
};

/** Decision 10: also when the local user is gone, and then it answers OK. */
const poplnkdel: CtrlHandler = async ([domain, name, remoteDomain, remoteUser], { pop3Links }) => {
  await pop3Links.deletePop3Link({ domain, name }, remoteDomain, remoteUser);
  return OK;
};

/** Exact, case-insensitive filters (not wildcards, §3.4); the password in clear (decision 4). */
const poplnklist: CtrlHandler = async ([domain, name], { pop3Links }) => ({
  kind: 'rows',
  rows: (await pop3Links.listPop3Links(domain, name)).map(({ link, password, active }) => [
    link.local.domain,
    link.local.name,
    link.remoteDomain,
    link.remoteUser,
    password,
    link.auth,
    active ? 'ON' : 'OFF',
  ]),
});

/** `poplnkenable 0|1 ldom luser [rdom [ruser]]`: `atoi`, non-zero enables. */
const poplnkenable: CtrlHandler = async ([flag, domain, name, remoteDomain, remoteUser], { pop3Links }) => {
  const enabled = (Number.parseInt(flag, 10) || 0) !== 0;
  await pop3Links.setPop3LinksEnabled(enabled, { domain, name }, remoteDomain, remoteUser);
  return OK;
};

export const ROUTING_COMMANDS: Record<string, CtrlHandler> = {
  aliasadd,
  aliasdel,
  aliaslist,
  exaliasadd,
  exaliasdel,
  exaliaslist,
  domainadd,
  domaindel,
  domainlist,
  aliasdomainadd,
  aliasdomaindel,
  aliasdomainlist,
  poplnkadd,
  poplnkdel,
  poplnklist,
  poplnkenable,
};
