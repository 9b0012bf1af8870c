/** User, user-variable, mailproc and mailing-list commands (spec §2). */
import { DirectoryAdminError, mailprocPath, type MailprocScope } from '../../../core/index.js';
import { formatXMailDate, XMailCtrlError } from '../protocol/index.js';
import { fileUpload, OK, type CtrlHandler } from './context.js';

/** `uservarsset` value that deletes the variable (§2). */
const DELETE_VALUE = '.|rm';
/** `mluseradd` without perms (§3.6). */
const DEFAULT_MEMBER_PERMS = 'RW';
/** Shown for a user that never logged in (§3.3). */
const NEVER_LOGGED_IN_IP = '0.0.0.0';

const useradd: CtrlHandler = async ([domain, name, password, type], { accounts }) => {
  await accounts.add(domain, name, password, type === 'M' ? 'list' : 'user');
  return OK;
};

const userdel: CtrlHandler = async ([domain, name], { domains, accounts }) => {
  await domains.requireHandled(domain);
  try {
    await accounts.delete(domain, name);
  } catch (err) {
    // userdel takes a different path in XMail and keeps ERR_USER_NOT_FOUND (spec note A).
    if (err instanceof DirectoryAdminError && err.failure === 'user-not-found') {
      throw new XMailCtrlError('USER_NOT_FOUND', err.message);
    }
    throw err;
  }
  return OK;
};

const userpasswd: CtrlHandler = async ([domain, name, password], { domains, accounts }) => {
  await domains.requireHandled(domain);
  await accounts.setPassword(domain, name, password);
  return OK;
};

const userauth: CtrlHandler = async ([domain, name, password], { accounts }) => {
  await accounts.checkPassword(domain, name, password);
  return OK;
};

const userstat: CtrlHandler = async ([domain, name], { accounts }) => {
  const stat = await accounts.stat(domain, name);
  return {
    kind: 'rows',
    rows: [
      ['RealAddress', stat.address],
      ['MailboxSize', stat.bytes],
      ['MailboxMessages', stat.messages],
      ['LastLoginTimeDate', formatXMailDate(stat.lastLogin?.at ?? new Date())],
      ['LastLoginIP', stat.lastLogin?.ip ?? NEVER_LOGGED_IN_IP],
    ],
  };
};

const uservars: CtrlHandler = async ([domain, name], { domains, accounts }) => {
  await domains.requireHandled(domain);
  return { kind: 'rows', rows: await accounts.vars(domain, name) };
};

const uservarsset: CtrlHandler = async ([domain, name, ...pairs], { domains, accounts }) => {
  await domains.requireHandled(domain);
  const changes: [string, string | null][] = [];
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    changes.push([pairs[i], pairs[i + 1] === DELETE_VALUE ? null : pairs[i + 1]]);
  }
  await accounts.setVars(domain, name, changes);
  return OK;
};

/** `userlist [dom [user]]`, or AfterLogic's paged `userlist dom user start amount` (decision 2). */
const userlist: CtrlHandler = async ([domain = '', name = '', start, amount], { accounts }) => {
  const page = start === undefined ? undefined : { offset: nonNegative(start), limit: nonNegative(amount) };
  const listed = await accounts.list(domain, name, page);
  return {
    kind: 'rows',
    rows: listed.map((account) => [
      account.domain,
      account.name,
      accounts.displayedSecret(account),
      account.kind === 'list' ? 'M' : 'U',
    ]),
  };
};

/** AfterLogic's `usercount [dompat]` (decision 2; no ground truth): `"domain" "count"` rows. */
const usercount: CtrlHandler = async ([domain = ''], { accounts }) => ({
  kind: 'rows',
  rows: await accounts.count(domain),
});

/** The domain's mailproc.tab first, then the user's, each when the flags ask for it and it exists. */
const usergetmproc: CtrlHandler = async ([domain, name, flags = 'DU'], { domains, accounts, files }) => {
  const scopes = new Set<MailprocScope>();
  if (/[dD]/.test(flags)) scopes.add('domain');
  if (/[uU]/.test(flags)) scopes.add('user');
  // XMail answers +00100 and then hangs; decision 3: refuse instead.
  if (scopes.size === 0) throw new XMailCtrlError('BAD_CTRL_COMMAND', `usergetmproc flags ${flags}`);
  await domains.requireHandled(domain);
  const account = await accounts.find(domain, name);
  const parts: Buffer[] = [];
  for (const scope of ['domain', 'user'] as const) {
    const file = scopes.has(scope) ? await files.readFile(mailprocPath(account, scope)) : null;
    if (file !== null) parts.push(file);
  }
  if (parts.length === 0) throw new XMailCtrlError('NO_MAILPROC_FILE');
  return { kind: 'file', body: Buffer.concat(parts) };
};

const usersetmproc: CtrlHandler = async ([domain, name, which = 'U'], { domains, accounts, files }) => {
  await domains.requireHandled(domain);
  const account = await accounts.find(domain, name);
  return fileUpload(files, mailprocPath(account, /^[dD]/.test(which) ? 'domain' : 'user'));
};

const mluseradd: CtrlHandler = async ([domain, list, address, perms = DEFAULT_MEMBER_PERMS], { lists }) => {
  await lists.addMember(domain, list, address, perms);
  return OK;
};

const mluserdel: CtrlHandler = async ([domain, list, address], { lists }) => {
  await lists.removeMember(domain, list, address);
  return OK;
};

const mluserlist: CtrlHandler = async ([domain, list], { lists }) => ({
  kind: 'rows',
  rows: (await lists.listMembers(domain, list)).map((member) => [member.address, member.perms]),
});

/** `atoi`-like: anything not a non-negative integer counts as 0. */
function nonNegative(text: string | undefined): number {
  const value = Number.parseInt(text ?? '', 10);
  return Number.isFinite(value) && value > 0 ? value : 0;
}

export const USER_COMMANDS: Record<string, CtrlHandler> = {
  useradd,
  userdel,
  userpasswd,
  userauth,
  userstat,
  uservars,
  uservarsset,
  userlist,
  usercount,
  usergetmproc,
  usersetmproc,
  mluseradd,
  mluserdel,
  mluserlist,
};
