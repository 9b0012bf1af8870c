/**
 * Accounts: the mailusers.tab journal (account-journal.ts) plus one directory per account,
 * domains/<domain>/<user>/, holding user.tab (XMail variables), attributes.tab, mlusers.tab,
 * lastlogin.tab and the folders.
 *
 * Adding an account writes its directory first and then appends its journal row: the row is the
 * commit point, so a crash in between leaves a directory that no account owns (swept when the name
 * is added again) and never an account without its INBOX. Adds that arrive together are committed
 * together: one lock, one append, one fsync for the batch (group commit), which is what makes
 * 100,000 accounts quick to create.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Account, AccountKey, Credential, ListMember, LoginRecord } from '../../core/model/index.js';
import {
  AlreadyExistsError,
  NotFoundError,
  type AccountQuery,
  type AccountStore,
  type NewAccount,
  type Page,
  type PageRequest,
} from '../../core/ports/index.js';
import { accountNameMatcher } from '../../core/ports/index.js';
import {
  accountFold,
  accountKey,
  accountRow,
  needsCompaction,
  tombstoneRow,
  type AccountIndex,
  type AccountRow,
} from './account-journal.js';
import { readIfExists, syncPaths, writeAtomic } from './durable-fs.js';
import { withLock } from './file-lock.js';
import { Journal } from './journal.js';
import type { Layout } from './layout.js';
import type { FileMailStore } from './mail-store.js';
import type { FileModes } from './modes.js';
import { Table, type RowCodec } from './table.js';
import type { RootTables } from './tables.js';
import { formatRow, parseRows } from './tab.js';

const BATCH = 500;

interface PendingAdd {
  account: NewAccount;
  resolve: (a: Account) => void;
  reject: (err: unknown) => void;
}

/** Accounts whose user.tab and attributes.tab stay cached (see accountFiles). */
const ACCOUNT_FILES_CACHE_LIMIT = 2000;

interface AccountFiles {
  vars: Table<[string, string]>;
  attributes: Table<[string, string[]]>;
}

/** Read only: these files are written whole by setVars and setAttributes. */
const varCodec: RowCodec<[string, string]> = {
  decode: ([n, v]) => [n, v ?? ''],
  encode: (pair) => pair,
};

const attributeCodec: RowCodec<[string, string[]]> = {
  decode: ([n, ...values]) => [n, values],
  encode: ([n, values]) => [n, ...values],
};

const memberCodec: RowCodec<ListMember> = {
  decode: ([address, perms]) => ({ address, perms: perms ?? '' }),
  encode: (m) => [m.address, m.perms],
};

export class FileAccountStore implements AccountStore {
  readonly journal: Journal<AccountIndex>;
  private readonly lockFile: string;
  private pending: PendingAdd[] = [];
  private readonly accountFilesByDir = new Map<string, AccountFiles>();
  private flushing = false;

  constructor(
    private readonly layout: Layout,
    private readonly tables: RootTables,
    private readonly mail: FileMailStore,
  ) {
    this.journal = new Journal(layout.rootFile('mailusers.tab'), accountFold, layout);
    this.lockFile = layout.lock('mailusers.tab');
  }

  addAccount(account: NewAccount): Promise<Account> {
    return new Promise((resolve, reject) => {
      this.pending.push({ account, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  async getAccount(key: AccountKey): Promise<Account | null> {
    const row = await this.find(key);
    return row ? this.load(row) : null;
  }

  async deleteAccount(key: AccountKey): Promise<void> {
    const row = await this.withJournalLock(async () => {
      const found = await this.find(key);
      if (!found) throw new NotFoundError(`account ${key.name}@${key.domain}`);
      await this.journal.append([tombstoneRow(found)]);
      return found;
    });
    await this.purge([row]);
  }

  async listAccounts(query: AccountQuery, page: PageRequest = {}): Promise<Page<Account>> {
    const rows = await this.matching(query);
    const offset = page.offset ?? 0;
    const slice = rows.slice(offset, page.limit === undefined ? undefined : offset + page.limit);
    return { items: await Promise.all(slice.map((r) => this.load(r))), total: rows.length };
  }

  async countAccounts(query: AccountQuery): Promise<number> {
    return (await this.matching(query)).length;
  }

  async setCredential(key: AccountKey, credential: Credential): Promise<void> {
    await this.withJournalLock(async () => {
      const row = await this.mustFind(key);
      await this.journal.append([accountRow({ ...row, credential }, this.dirOf(row))]);
    });
  }

  async setVars(key: AccountKey, vars: [string, string][]): Promise<void> {
    const row = await this.mustFind(key);
    await writeAtomic(
      this.layout,
      this.layout.userFile(row, 'user.tab'),
      vars.map((v) => formatRow(v)).join(''),
    );
  }

  async setAttributes(key: AccountKey, attributes: [string, string[]][]): Promise<void> {
    const row = await this.mustFind(key);
    await writeAtomic(this.layout, this.layout.userFile(row, 'attributes.tab'), attributesText(attributes));
  }

  async listMembers(key: AccountKey): Promise<ListMember[]> {
    const row = await this.find(key);
    return row ? [...(await this.members(row).read())] : [];
  }

  async addMember(key: AccountKey, member: ListMember): Promise<void> {
    const row = await this.mustFind(key);
    await this.members(row).update((members) => {
      if (members.some((m) => m.address.toLowerCase() === member.address.toLowerCase())) {
        throw new AlreadyExistsError(`member ${member.address}`);
      }
      return { records: [...members, { address: member.address, perms: member.perms }], result: undefined };
    });
  }

  async removeMember(key: AccountKey, address: string): Promise<void> {
    const row = await this.mustFind(key);
    await this.members(row).update((members) => {
      const kept = members.filter((m) => m.address.toLowerCase() !== address.toLowerCase());
      if (kept.length === members.length) throw new NotFoundError(`member ${address}`);
      return { records: kept, result: undefined };
    });
  }

  async recordLogin(key: AccountKey, login: LoginRecord): Promise<void> {
    const row = await this.mustFind(key);
    await writeAtomic(
      this.layout,
      this.layout.userFile(row, 'lastlogin.tab'),
      formatRow([login.ip, login.at.toISOString(), login.protocol]),
    );
  }

  async lastLogin(key: AccountKey): Promise<LoginRecord | null> {
    const row = await this.find(key);
    const text = row && (await readIfExists(this.layout.userFile(row, 'lastlogin.tab')));
    const fields = text ? parseRows(text).rows[0] : undefined;
    return fields ? { ip: fields[0], at: new Date(fields[1]), protocol: fields[2] } : null;
  }

  async createdAt(key: AccountKey): Promise<Date | null> {
    return (await this.find(key))?.createdAt ?? null;
  }

  /** Live accounts of one domain (domain deletion). */
  async ofDomain(domain: string): Promise<AccountRow[]> {
    return [...(await this.journal.read()).bySeq.values()].filter((r) => r.domain === domain);
  }

  /** Serialises with adds and deletes; domain deletion holds it while it removes the domain. */
  withJournalLock<T>(fn: () => Promise<T>): Promise<T> {
    return withLock(this.lockFile, this.layout.modes, fn);
  }

  /**
   * After the accounts' rows are gone: their mail (releasing bodies), routes to them, POP3 links
   * and directories. Any of it a crash leaves behind is unreachable and swept on re-add.
   */
  async purge(rows: AccountRow[]): Promise<void> {
    if (rows.length === 0) return;
    const gone = new Set(rows.map((r) => accountKey(r.domain, r.name)));
    const isGone = (k: AccountKey): boolean => gone.has(accountKey(k.domain, k.name));
    await this.tables.routes.update((routes) => ({
      records: routes.filter((r) => !isGone(r.target)),
      result: undefined,
    }));
    await this.tables.pop3Links.update((links) => ({
      records: links.filter((l) => !isGone(l.local)),
      result: undefined,
    }));
    for (const row of rows) {
      const messages = await this.mail.locked(row, async () => {
        const all = await this.mail.allMessages(row);
        await fs.rm(this.layout.userDir(row), { recursive: true, force: true });
        return all;
      });
      await this.mail.releaseAll(messages);
    }
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, BATCH);
      try {
        await this.withJournalLock(() => this.commit(batch));
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
    this.flushing = false;
  }

  private async commit(batch: PendingAdd[]): Promise<void> {
    const index = await this.journal.read();
    const domains = new Set((await this.tables.domains.read()).map((d) => d.name));
    const taken = new Set<string>();
    let seq = index.maxSeq;
    const accepted: { pending: PendingAdd; row: AccountRow; attributes: [string, string[]][] }[] = [];
    for (const pending of batch) {
      const { domain, name } = pending.account;
      const key = accountKey(domain, name);
      if (!domains.has(domain)) pending.reject(new NotFoundError(`domain ${domain}`));
      else if (index.byKey.has(key) || taken.has(key))
        pending.reject(new AlreadyExistsError(`account ${name}@${domain}`));
      else {
        taken.add(key);
        const { kind, credential } = pending.account;
        accepted.push({
          pending,
          row: { domain, name, seq: ++seq, kind, credential, createdAt: new Date() },
          attributes: pending.account.attributes ?? [],
        });
      }
    }
    if (accepted.length === 0) return;
    const prepared = await Promise.allSettled(
      accepted.map((a) => this.prepareDirectory(a.row, a.pending.account.vars, a.attributes)),
    );
    const toSync = { files: [] as string[], dirs: [] as string[] };
    const committed = accepted.filter((a, i) => {
      const outcome = prepared[i];
      if (outcome.status === 'rejected') a.pending.reject(outcome.reason);
      else {
        toSync.files.push(...outcome.value.files);
        toSync.dirs.push(...outcome.value.dirs);
      }
      return outcome.status === 'fulfilled';
    });
    toSync.dirs.push(...new Set(committed.map((a) => this.layout.domainDir(a.row.domain))));
    await syncPaths(this.layout.root, toSync);
    await this.journal.append(committed.map((a) => accountRow(a.row, this.dirOf(a.row))));
    for (const a of committed)
      a.pending.resolve({
        ...a.row,
        vars: a.pending.account.vars.map(copyPair),
        attributes: a.attributes.map(([n, v]) => [n, [...v]]),
      });
    const after = await this.journal.read();
    if (needsCompaction(after)) await this.compact(after);
  }

  /**
   * A fresh account directory with user.tab and attributes.tab (the INBOX stays implicit, see
   * mail-store.ts), not yet synced: resolves what the caller must make durable before committing.
   */
  private async prepareDirectory(
    row: AccountRow,
    vars: [string, string][],
    attributes: [string, string[]][],
  ): Promise<{ files: string[]; dirs: string[] }> {
    const dir = this.layout.userDir(row);
    await freshDirectory(dir, this.layout.modes);
    const files = new Map([[path.join(dir, 'user.tab'), vars.map((v) => formatRow(v)).join('')]]);
    if (attributes.length > 0) files.set(path.join(dir, 'attributes.tab'), attributesText(attributes));
    const mode = this.layout.modes.file;
    await Promise.all([...files].map(([file, text]) => fs.writeFile(file, text, { flag: 'wx', mode })));
    return { files: [...files.keys()], dirs: [dir] };
  }

  private async compact(index: AccountIndex): Promise<void> {
    const rows = [...index.bySeq.values()].map((r) => accountRow(r, this.dirOf(r)));
    if (!index.bySeq.has(index.maxSeq)) rows.push(tombstoneRow({ domain: '', name: '', seq: index.maxSeq }));
    await this.journal.replace(rows);
  }

  private dirOf(row: AccountKey): string {
    return path.relative(this.layout.root, this.layout.userDir(row));
  }

  private async find(key: AccountKey): Promise<AccountRow | null> {
    const index = await this.journal.read();
    const seq = index.byKey.get(accountKey(key.domain, key.name));
    return seq === undefined ? null : (index.bySeq.get(seq) ?? null);
  }

  private async mustFind(key: AccountKey): Promise<AccountRow> {
    const row = await this.find(key);
    if (!row) throw new NotFoundError(`account ${key.name}@${key.domain}`);
    return row;
  }

  private async matching(query: AccountQuery): Promise<AccountRow[]> {
    const matches = query.namePattern === undefined ? null : accountNameMatcher(query.namePattern);
    const out: AccountRow[] = [];
    for (const row of (await this.journal.read()).bySeq.values()) {
      if (query.domain !== undefined && row.domain !== query.domain) continue;
      if (matches && !matches(row.name)) continue;
      out.push(row);
    }
    return out;
  }

  private async load(row: AccountRow): Promise<Account> {
    const files = this.accountFiles(row);
    const [vars, attributes] = await Promise.all([files.vars.read(), files.attributes.read()]);
    return {
      ...row,
      credential: { ...row.credential },
      vars: vars.map(copyPair),
      attributes: attributes.map(([n, v]) => [n, [...v]]),
    };
  }

  /**
   * user.tab and attributes.tab of an account as Tables, kept per process: every routing step loads
   * the account, and a Table re-reads its file only when a stat shows it was replaced.
   */
  private accountFiles(row: AccountKey): AccountFiles {
    const dir = this.layout.userDir(row);
    let files = this.accountFilesByDir.get(dir);
    if (!files) {
      if (this.accountFilesByDir.size >= ACCOUNT_FILES_CACHE_LIMIT) this.accountFilesByDir.clear();
      const table = <R>(name: string, codec: RowCodec<R>): Table<R> =>
        new Table(
          path.join(dir, name),
          this.layout.lock(`${name}.${row.domain}.${row.name}`),
          this.layout,
          codec,
        );
      files = { vars: table('user.tab', varCodec), attributes: table('attributes.tab', attributeCodec) };
      this.accountFilesByDir.set(dir, files);
    }
    return files;
  }

  private members(row: AccountKey): Table<ListMember> {
    return new Table(
      this.layout.userFile(row, 'mlusers.tab'),
      this.layout.lock(`ml.${row.domain}.${row.name.toLowerCase()}`),
      this.layout,
      memberCodec,
    );
  }
}

function copyPair(v: [string, string]): [string, string] {
  return [v[0], v[1]];
}

/** `"name" "value" "value" ...`; an attribute with no values is a row with the name alone. */
function attributesText(attributes: [string, string[]][]): string {
  return attributes.map(([name, values]) => formatRow([name, ...values])).join('');
}

/** Creates `dir` empty, sweeping what an add cut short by a crash left there. */
async function freshDirectory(dir: string, modes: FileModes): Promise<void> {
  try {
    await fs.mkdir(dir, { mode: modes.dir });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') await fs.rm(dir, { recursive: true, force: true });
    else if (code !== 'ENOENT') throw err;
    await fs.mkdir(dir, { recursive: true, mode: modes.dir });
  }
}
