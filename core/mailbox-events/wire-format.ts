/**
 * Mailbox events on Redis pub/sub: one channel per account, `mw:mailbox:<name>@<domain>` (lower
 * case), so a tool outside Mailwright can SUBSCRIBE to one account; every Mailwright process holds
 * one PSUBSCRIBE to `mw:mailbox:*` and drops, unread, the events of accounts nobody in it listens to.
 * The message is JSON: the event, plus `origin`, the id of the publishing process's bus (a bus
 * ignores its own messages: it told its listeners already).
 *
 * Pub/sub channels ignore the Redis database number: installations sharing one Redis server hear
 * each other's events, which is harmless (hints, and accounts of another installation have no
 * listeners here) but wasted.
 */
import type { MailboxEvent, MailboxEventKind } from './mailbox-event.js';
import { accountId } from './subscriber-table.js';

const CHANNEL_PREFIX = 'mw:mailbox:';
export const CHANNEL_PATTERN = `${CHANNEL_PREFIX}*`;

const KINDS: ReadonlySet<string> = new Set<MailboxEventKind>(['append', 'flags', 'expunge', 'folders']);

export function channelOf(event: MailboxEvent): string {
  return CHANNEL_PREFIX + accountId(event.account);
}

/** The `accountId` a channel carries, or null for a channel that is not a mailbox channel. */
export function accountIdOfChannel(channel: string): string | null {
  return channel.startsWith(CHANNEL_PREFIX) ? channel.slice(CHANNEL_PREFIX.length) : null;
}

export function encodeEvent(event: MailboxEvent, origin: string): string {
  const { account, path, kind, highestModseq, uidNext } = event;
  return JSON.stringify({
    origin,
    account: { domain: account.domain, name: account.name },
    path,
    kind,
    highestModseq,
    uidNext,
  });
}

/** The event and its origin, or null when the message is not one (another writer, a wrong version). */
export function decodeEvent(message: string): { event: MailboxEvent; origin: string } | null {
  let data: unknown;
  try {
    data = JSON.parse(message);
  } catch {
    return null;
  }
  if (typeof data !== 'object' || data === null) return null;
  const { origin, account, path, kind, highestModseq, uidNext } = data as Record<string, unknown>;
  if (typeof origin !== 'string' || typeof path !== 'string') return null;
  if (typeof kind !== 'string' || !KINDS.has(kind)) return null;
  if (typeof account !== 'object' || account === null) return null;
  const { domain, name } = account as Record<string, unknown>;
  if (typeof domain !== 'string' || typeof name !== 'string') return null;
  if (!optionalCount(highestModseq) || !optionalCount(uidNext)) return null;
  const event: MailboxEvent = { account: { domain, name }, path, kind: kind as MailboxEventKind };
  if (highestModseq !== undefined) event.highestModseq = highestModseq;
  if (uidNext !== undefined) event.uidNext = uidNext;
  return { event, origin };
}

function optionalCount(value: unknown): value is number | undefined {
  return value === undefined || (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0);
}
