/**
 * Frozen-message and ETRN commands over the delivery queue's FrozenQueue (spec §2, decision 7).
 * In a process without one (no queue plugin), each answers what XMail answers when the message or
 * the work is not there, never a success it did not achieve, and logs a warning.
 */
import type { FrozenMessage, FrozenQueue, QueuedMessageRef } from '../../../core/index.js';
import { XMailCtrlError, type XMailErrorName } from '../protocol/index.js';
import { OK, type CtrlCommandContext, type CtrlHandler } from './context.js';

function queueOr(ctx: CtrlCommandContext, command: string, missing: XMailErrorName): FrozenQueue {
  const queue = ctx.frozenQueue;
  if (queue) return queue;
  ctx.logger.warn({ command }, 'no frozen-message queue in this process (is the queue plugin loaded?)');
  throw new XMailCtrlError(missing, 'no frozen-message queue');
}

/**
 * XMail names a spooled message `lev0 lev1 msgfile`. Mailwright's queue has no spool levels: every
 * message is listed at levels 0 0 under its queue id, and other levels (read with `atoi`, as
 * XMail does) name no message.
 */
const SPOOL_LEVEL = 0;

function refOf([lev0, lev1, id]: readonly string[]): QueuedMessageRef | null {
  const level = (text: string | undefined): number => Number.parseInt(text ?? '', 10) || 0;
  return level(lev0) === SPOOL_LEVEL && level(lev1) === SPOOL_LEVEL && id ? { id } : null;
}

/** Runs `use` on the message `args` name; a name that is none of ours answers like a missing message. */
async function onMessage<T>(
  args: readonly string[],
  missing: T,
  use: (ref: QueuedMessageRef) => Promise<T>,
): Promise<T> {
  const ref = refOf(args);
  return ref ? use(ref) : missing;
}

/** The 9-field row of §3.3. */
function frozenRow(message: FrozenMessage): (string | number)[] {
  return [
    message.id,
    SPOOL_LEVEL,
    SPOOL_LEVEL,
    `<${message.from}>`,
    `<${message.rcpt}>`,
    localTimestamp(message.lastTry),
    message.size,
    message.tryCount,
    'froz',
  ];
}

/** `YYYY-MM-DD HH:MM:SS`, local time. */
function localTimestamp(date: Date): string {
  const two = (value: number): string => String(value).padStart(2, '0');
  return (
    `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ` +
    `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`
  );
}

/** No queue here means no frozen messages: an empty listing is the truth. */
const frozlist: CtrlHandler = async (_args, ctx) => {
  const queue = ctx.frozenQueue;
  if (!queue) ctx.logger.warn({ command: 'frozlist' }, 'no frozen-message queue in this process');
  return { kind: 'rows', rows: queue ? (await queue.list()).map(frozenRow) : [] };
};

const frozsubmit: CtrlHandler = async (args, ctx) => {
  const queue = queueOr(ctx, 'frozsubmit', 'FILE_MOVE');
  if (!(await onMessage(args, false, (ref) => queue.submit(ref)))) throw new XMailCtrlError('FILE_MOVE');
  return OK;
};

/** XMail answers OK for a missing message; without a queue nothing was deleted, so -00019. */
const frozdel: CtrlHandler = async (args, ctx) => {
  const queue = queueOr(ctx, 'frozdel', 'FILE_OPEN');
  await onMessage(args, false, (ref) => queue.delete(ref));
  return OK;
};

const frozgetlog: CtrlHandler = async (args, ctx) => {
  const queue = queueOr(ctx, 'frozgetlog', 'FILE_OPEN');
  const body = await onMessage(args, null, (ref) => queue.log(ref));
  if (body === null) throw new XMailCtrlError('FILE_OPEN');
  return { kind: 'file', body };
};

const frozgetmsg: CtrlHandler = async (args, ctx) => {
  const queue = queueOr(ctx, 'frozgetmsg', 'FILE_OPEN');
  const body = await onMessage(args, null, (ref) => queue.message(ref));
  if (body === null) throw new XMailCtrlError('FILE_OPEN');
  return { kind: 'file', body };
};

/** Each argument is an address pattern; one without `@` stands for every address of that domain. */
const etrn: CtrlHandler = async (patterns, ctx) => {
  const queue = queueOr(ctx, 'etrn', 'FILE_MOVE');
  for (const pattern of patterns)
    await queue.rescheduleDeferred(pattern.includes('@') ? pattern : `*@${pattern}`);
  return OK;
};

export const QUEUE_COMMANDS: Record<string, CtrlHandler> = {
  frozlist,
  frozsubmit,
  frozdel,
  frozgetlog,
  frozgetmsg,
  etrn,
};
