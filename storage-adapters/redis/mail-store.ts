import type { AccountKey } from '../../core/model/directory.js';
import {
  SYSTEM_FLAGS,
  type Folder,
  type MailboxUsage,
  type MessageMeta,
  type NewMessage,
} from '../../core/model/mailbox.js';
import { capStructure, type MessageStructure } from '../../core/model/mime-limits.js';
import type {
  AppendOptions,
  FlagUpdate,
  FlagUpdateResult,
  MailStore,
  UidRange,
} from '../../core/ports/mail-store.js';
import type { RedisContext } from './context.js';
import { accountId } from './keys.js';

/**
 * What f:<fid>:meta keeps per message: everything that never changes after append, but the MIME
 * structure, kept once per body in blob:<id>:mime. Messages stored before it moved there carry
 * their own.
 */
interface StoredMeta extends Partial<MessageStructure> {
  blobId: string;
  size: number;
  internalDate: number;
}

export class RedisMailStore implements MailStore {
  constructor(private readonly ctx: RedisContext) {}

  async createFolder(account: AccountKey, path: string, opts: { specialUse?: string } = {}): Promise<Folder> {
    const fid = await this.ctx.scripts.run(
      'createFolder',
      accountId(account),
      path,
      opts.specialUse ?? '',
      0,
    );
    return this.readFolder(account, String(fid)) as Promise<Folder>;
  }

  async deleteFolder(account: AccountKey, path: string): Promise<void> {
    await this.ctx.scripts.run('deleteFolder', accountId(account), path);
  }

  async renameFolder(account: AccountKey, from: string, to: string): Promise<void> {
    await this.ctx.scripts.run('renameFolder', accountId(account), from, to);
  }

  async getFolder(account: AccountKey, path: string): Promise<Folder | null> {
    const fid = await this.ctx.redis.hget(this.ctx.key(`folders:${accountId(account)}`), path);
    return fid === null ? null : this.readFolder(account, fid);
  }

  async listFolders(account: AccountKey): Promise<Folder[]> {
    const fids = await this.ctx.redis.hvals(this.ctx.key(`folders:${accountId(account)}`));
    const pipeline = this.ctx.redis.pipeline();
    for (const fid of fids) pipeline.hgetall(this.ctx.key(`f:${fid}`));
    const rows = (await pipeline.exec()) ?? [];
    return rows
      .map(([, row]) => parseFolder(account, row as Record<string, string>))
      .filter((f): f is Folder => f !== null)
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async setSubscribed(account: AccountKey, path: string, subscribed: boolean): Promise<void> {
    await this.ctx.scripts.run('setSubscribed', accountId(account), path, subscribed ? 1 : 0);
  }

  /**
   * The delivery key check, the append and keeping the body's structure are one script (see
   * lua/mail-scripts.ts).
   */
  async append(
    account: AccountKey,
    path: string,
    message: NewMessage,
    opts: AppendOptions = {},
  ): Promise<MessageMeta> {
    const flags = normalizeFlags(message.flags);
    const reply = (await this.ctx.scripts.run(
      'append',
      accountId(account),
      path,
      message.blobId,
      message.size,
      flags.join(' '),
      storedMeta(message),
      opts.deliveryKey ?? '',
      opts.adoptReference ? 1 : 0,
      structureJson(message),
    )) as [number, number, string] | Quint;
    if (reply.length === 5) return parseMessage(...reply);
    const [uid, modseq, structure] = reply;
    return { ...message, ...(JSON.parse(structure) as MessageStructure), flags, uid, modseq };
  }

  async importFolderState(
    account: AccountKey,
    path: string,
    state: { uidValidity: number; uidNext: number; highestModseq: number },
  ): Promise<void> {
    await this.ctx.scripts.run(
      'importFolderState',
      accountId(account),
      path,
      state.uidValidity,
      state.uidNext,
      state.highestModseq,
    );
  }

  async importMessage(account: AccountKey, path: string, message: MessageMeta): Promise<boolean> {
    const added = await this.ctx.scripts.run(
      'importMessage',
      accountId(account),
      path,
      message.blobId,
      message.size,
      normalizeFlags(message.flags).join(' '),
      storedMeta(message),
      message.uid,
      message.modseq,
      structureJson(message),
    );
    return added === 1;
  }

  async listMessages(
    account: AccountKey,
    path: string,
    range?: UidRange,
    opts: { changedSince?: number } = {},
  ): Promise<MessageMeta[]> {
    const from = range?.from ?? 1;
    const to = range === undefined || range.to === Infinity ? '+inf' : range.to;
    const flat = (await this.ctx.scripts.run(
      'listMessages',
      accountId(account),
      path,
      from,
      to,
      opts.changedSince ?? 0,
    )) as string[];
    const messages: MessageMeta[] = [];
    for (let i = 0; i < flat.length; i += 5) messages.push(parseMessage(...(flat.slice(i, i + 5) as Quint)));
    return messages;
  }

  async updateFlags(account: AccountKey, path: string, update: FlagUpdate): Promise<FlagUpdateResult> {
    const [updated, failed] = (await this.ctx.scripts.run(
      'updateFlags',
      accountId(account),
      path,
      update.operation,
      update.unchangedSince ?? '',
      normalizeFlags(update.flags).join(' '),
      ...update.uids,
    )) as [[number, number, string][], number[]];
    return {
      updated: updated.map(([uid, modseq, flags]) => ({ uid, modseq, flags: splitFlags(flags) })),
      failed,
    };
  }

  async expunge(account: AccountKey, path: string, uids?: number[]): Promise<number[]> {
    // An explicit empty list means "none of them", not "every message".
    if (uids !== undefined && uids.length === 0) return [];
    return (await this.ctx.scripts.run('expunge', accountId(account), path, ...(uids ?? []))) as number[];
  }

  async copyMessages(
    account: AccountKey,
    from: string,
    uids: number[],
    to: string,
  ): Promise<[number, number][]> {
    const flat = (await this.ctx.scripts.run(
      'copyMessages',
      accountId(account),
      from,
      to,
      ...uids,
    )) as number[];
    const pairs: [number, number][] = [];
    for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i], flat[i + 1]]);
    return pairs;
  }

  async usage(account: AccountKey): Promise<MailboxUsage> {
    const folders = await this.listFolders(account);
    return folders.reduce((sum, f) => ({ bytes: sum.bytes + f.bytes, messages: sum.messages + f.messages }), {
      bytes: 0,
      messages: 0,
    });
  }

  private async readFolder(account: AccountKey, fid: string): Promise<Folder | null> {
    return parseFolder(account, await this.ctx.redis.hgetall(this.ctx.key(`f:${fid}`)));
  }
}

function storedMeta(message: NewMessage): string {
  const meta: StoredMeta = {
    blobId: message.blobId,
    size: message.size,
    internalDate: message.internalDate.getTime(),
  };
  return JSON.stringify(meta);
}

/** The structure the body gets if it has none yet (capped: core/model/mime-limits.ts). */
function structureJson(message: NewMessage): string {
  return JSON.stringify(capStructure({ mime: message.mime, envelope: message.envelope }));
}

type Quint = [
  uid: number | string,
  modseq: number | string,
  flags: string,
  metaJson: string,
  structure: string,
];

/**
 * A message as the scripts return it: uid, modseq, joined flags, the f:<fid>:meta JSON and its
 * body's structure JSON.
 */
function parseMessage(...[uid, modseq, flags, metaJson, structureJson]: Quint): MessageMeta {
  const { mime, envelope, ...meta } = JSON.parse(metaJson) as StoredMeta;
  const structure = mime && envelope ? { mime, envelope } : (JSON.parse(structureJson) as MessageStructure);
  return {
    ...meta,
    ...structure,
    internalDate: new Date(meta.internalDate),
    uid: Number(uid),
    modseq: Number(modseq),
    flags: splitFlags(flags),
  };
}

function parseFolder(account: AccountKey, row: Record<string, string>): Folder | null {
  if (row.path === undefined) return null;
  const folder: Folder = {
    account: { domain: account.domain, name: account.name },
    path: row.path,
    uidValidity: Number(row.uidValidity),
    uidNext: Number(row.uidNext),
    highestModseq: Number(row.highestModseq),
    subscribed: row.subscribed === '1',
    messages: Number(row.messages),
    unseen: Number(row.unseen),
    bytes: Number(row.bytes),
  };
  if (row.specialUse) folder.specialUse = row.specialUse;
  return folder;
}

const SYSTEM_BY_LOWER = new Map(SYSTEM_FLAGS.map((f) => [f.toLowerCase(), f]));

/**
 * System flags in their canonical case (IMAP flags are case-insensitive), duplicates dropped.
 * Flags are stored space-joined, so one containing white space (never an IMAP atom) is refused.
 */
function normalizeFlags(flags: string[]): string[] {
  const bad = flags.find((f) => f === '' || /\s/.test(f));
  if (bad !== undefined)
    throw new Error(`invalid flag ${JSON.stringify(bad)}: flags are IMAP atoms without spaces`);
  return [...new Set(flags.map((f) => SYSTEM_BY_LOWER.get(f.toLowerCase()) ?? f))];
}

function splitFlags(joined: string): string[] {
  return joined === '' ? [] : joined.split(' ');
}
