import { AlreadyExistsError } from '../ports/errors.js';
import type { Account } from '../model/directory.js';
import type { Storage } from '../ports/storage.js';

/** What one kind of record did during a copy. */
export interface CopyCount {
  copied: number;
  skipped: number;
}

export type CopyKind =
  | 'domains'
  | 'aliasDomains'
  | 'accounts'
  | 'members'
  | 'routes'
  | 'externalAliases'
  | 'pop3Links'
  | 'admins'
  | 'folders'
  | 'messages'
  | 'files'
  | 'events';

export type CopySummary = Record<CopyKind, CopyCount>;

/** Progress callbacks: `begin` announces a phase and how many items it has, `step` counts one. */
export interface CopyProgress {
  begin(kind: CopyKind, total: number): void;
  step(kind: CopyKind): void;
}

const ACCOUNT_PAGE = 1_000;
const EVENT_PAGE = 1_000;

/**
 * Copies everything from one store to another: directory, mail (bodies streamed, UIDs, flags and
 * MODSEQs kept), configuration files and event logs. Safe to re-run: what the target already has is
 * skipped (accounts get their credentials, variables and attributes refreshed), so an interrupted
 * copy can simply be started again.
 */
export async function copyStorage(from: Storage, to: Storage, progress: CopyProgress): Promise<CopySummary> {
  const summary = Object.fromEntries(
    (
      [
        'domains',
        'aliasDomains',
        'accounts',
        'members',
        'routes',
        'externalAliases',
        'pop3Links',
        'admins',
        'folders',
        'messages',
        'files',
        'events',
      ] as const
    ).map((kind) => [kind, { copied: 0, skipped: 0 }]),
  ) as CopySummary;

  /**
   * Runs one insert; an AlreadyExistsError counts as skipped (resolves false), anything else stops
   * the copy.
   */
  const put = async (kind: CopyKind, insert: () => Promise<unknown>): Promise<boolean> => {
    let copied = true;
    try {
      await insert();
    } catch (err) {
      if (!(err instanceof AlreadyExistsError)) throw err;
      copied = false;
    }
    summary[kind][copied ? 'copied' : 'skipped']++;
    progress.step(kind);
    return copied;
  };

  const domains = await from.domains.listDomains();
  progress.begin('domains', domains.length);
  for (const domain of domains) await put('domains', () => to.domains.addDomain(domain.name));

  const aliasDomains = await from.domains.listAliasDomains();
  progress.begin('aliasDomains', aliasDomains.length);
  for (const entry of aliasDomains) await put('aliasDomains', () => to.domains.addAliasDomain(entry));

  const accountTotal = await from.accounts.countAccounts({});
  progress.begin('accounts', accountTotal);
  const accounts: Account[] = [];
  for (let offset = 0; offset < accountTotal; offset += ACCOUNT_PAGE) {
    const page = await from.accounts.listAccounts({}, { offset, limit: ACCOUNT_PAGE });
    for (const account of page.items) {
      accounts.push(account);
      if (!(await put('accounts', () => to.accounts.addAccount(account)))) {
        // Already there from an earlier run: bring what may have changed since up to date.
        await to.accounts.setCredential(account, account.credential);
        await to.accounts.setVars(account, account.vars);
        await to.accounts.setAttributes(account, account.attributes);
      }
      const login = await from.accounts.lastLogin(account);
      if (login) await to.accounts.recordLogin(account, login);
    }
  }

  progress.begin('members', accounts.length);
  for (const account of accounts) {
    for (const member of await from.accounts.listMembers(account)) {
      await put('members', () => to.accounts.addMember(account, member));
    }
  }

  const routes = await from.routes.listRoutes();
  progress.begin('routes', routes.length);
  for (const route of routes) await put('routes', () => to.routes.addRoute(route));

  const externalAliases = await from.routes.listExternalAliases();
  progress.begin('externalAliases', externalAliases.length);
  for (const alias of externalAliases) await put('externalAliases', () => to.routes.addExternalAlias(alias));

  const links = await from.pop3Links.listLinks();
  progress.begin('pop3Links', links.length);
  for (const link of links) {
    await put('pop3Links', () => to.pop3Links.addLink(link));
    await to.pop3Links.setSeenUidls(link, await from.pop3Links.seenUidls(link));
  }

  const admins = await from.admins.listAdmins();
  progress.begin('admins', admins.length);
  for (const admin of admins) {
    await to.admins.putAdmin(admin); // putAdmin replaces: always current
    summary.admins.copied++;
    progress.step('admins');
  }

  await copyMail(from, to, accounts, summary, progress);
  await copyFiles(from, to, summary, progress);
  await copyEvents(from, to, summary, progress);
  return summary;
}

async function copyMail(
  from: Storage,
  to: Storage,
  accounts: Account[],
  summary: CopySummary,
  progress: CopyProgress,
): Promise<void> {
  const folders = (await Promise.all(accounts.map((account) => from.mail.listFolders(account)))).flat();
  progress.begin('folders', folders.length);
  progress.begin(
    'messages',
    folders.reduce((sum, folder) => sum + folder.messages, 0),
  );
  for (const folder of folders) {
    const { account, path } = folder;
    if (await to.mail.getFolder(account, path)) summary.folders.skipped++;
    else {
      await to.mail.createFolder(account, path, folder.specialUse ? { specialUse: folder.specialUse } : {});
      summary.folders.copied++;
    }
    await to.mail.setSubscribed(account, path, folder.subscribed);
    await to.mail.importFolderState(account, path, folder);
    progress.step('folders');

    const present = new Set((await to.mail.listMessages(account, path)).map((m) => m.uid));
    for (const message of await from.mail.listMessages(account, path)) {
      if (present.has(message.uid)) summary.messages.skipped++;
      else {
        const blob = await to.blobs.putBlob(await from.blobs.openBlob(message.blobId));
        try {
          await to.mail.importMessage(account, path, { ...message, blobId: blob.id, size: blob.size });
        } finally {
          await to.blobs.releaseBlob(blob.id); // the message holds its own reference now
        }
        summary.messages.copied++;
      }
      progress.step('messages');
    }
  }
}

async function copyFiles(
  from: Storage,
  to: Storage,
  summary: CopySummary,
  progress: CopyProgress,
): Promise<void> {
  const files = [];
  for await (const file of from.files.walkFiles()) files.push(file);
  progress.begin('files', files.length);
  for (const file of files) {
    const content = await from.files.readFile(file.path);
    if (content !== null) {
      const existing = await to.files.readFile(file.path);
      if (existing?.equals(content)) summary.files.skipped++;
      else {
        await to.files.writeFile(file.path, content);
        summary.files.copied++;
      }
    }
    progress.step('files');
  }
}

async function copyEvents(
  from: Storage,
  to: Storage,
  summary: CopySummary,
  progress: CopyProgress,
): Promise<void> {
  const logs = await from.events.listLogs();
  progress.begin('events', 0);
  for (const log of logs) {
    let after = '';
    for (;;) {
      const batch = await from.events.eventsAfter(log, after, EVENT_PAGE);
      for (const event of batch) {
        if (await to.events.importEvent(event)) summary.events.copied++;
        else summary.events.skipped++;
        progress.step('events');
      }
      if (batch.length < EVENT_PAGE) break;
      after = batch[batch.length - 1].id;
    }
  }
}
