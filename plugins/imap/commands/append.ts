import {
  appendStoredBody,
  storeMessageBody,
  type MessageMeta,
  type StoredBody,
} from '../../../core/index.js';
import {
  atom,
  describeArg,
  ImapParseError,
  parseDateTime,
  type CommandEvent,
  type ImapArg,
  type ImapCommand,
} from '../protocol/index.js';
import type { ImapSession } from '../session/session.js';
import { mailboxPath } from './arguments.js';
import { AUTHENTICATED, type CommandModule, type Completion } from './command-module.js';
import { uidSet } from './message-set.js';

/** One message of the command as it was stored: appended to the folder only once all arrived. */
interface Arrived {
  body: StoredBody;
  flags: string[];
  internalDate?: Date;
}

/**
 * RFC 3501 §6.3.11 APPEND with MULTIAPPEND (RFC 3502) and UIDPLUS's APPENDUID (RFC 4315). Each
 * message literal streams from the socket into the blob store through the MIME analysis (never
 * whole in memory: the limit is APPENDLIMIT, RFC 7889). The messages go into the folder only when
 * the whole command arrived, all of them or none: a command that ends badly releases the bodies
 * stored so far.
 */
export const append: CommandModule = {
  names: ['APPEND'],
  states: AUTHENTICATED,
  async run(command, session, event) {
    if (event.kind !== 'literal-stream') {
      throw new ImapParseError(command.tag, 'APPEND needs a mailbox and a message literal');
    }
    const path = mailboxPath(command, 0, session);
    const { storage } = session.services;
    const folder = await storage.mail.getFolder(session.account!, path);
    // Refused before the client sends a byte of a synchronizing literal (no `+` goes out).
    if (!folder) return { status: 'NO', text: 'Mailbox does not exist', code: { name: 'TRYCREATE' } };

    const arrived: Arrived[] = [];
    let current: CommandEvent | null = event;
    let parsed = 1;
    try {
      while (current?.kind === 'literal-stream') {
        const { flags, internalDate, next } = messageOptions(current.command, parsed);
        arrived.push({ body: await storeMessageBody(storage.blobs, current.literal), flags, internalDate });
        parsed = next;
        current = await session.commands.next();
      }
      if (!current) throw new ClientGone();
      if (current.kind === 'error') throw current.error;
      if (current.command.args.length !== parsed) {
        throw new ImapParseError(
          command.tag,
          `Unexpected ${describeArg(current.command.args[parsed])} after the message`,
        );
      }
    } catch (err) {
      await releaseAll(session, arrived);
      if (err instanceof ClientGone) return { status: 'NO', text: 'APPEND cancelled' };
      throw err;
    }
    return commit(session, path, folder.uidValidity, arrived);
  },
};

/** The client went away in the middle of the command. */
class ClientGone extends Error {}

/**
 * The optional flag list and date-time of the message whose literal is the last argument so far,
 * starting at `from`; `next` is where the following message's arguments start.
 */
function messageOptions(
  command: ImapCommand,
  from: number,
): { flags: string[]; internalDate?: Date; next: number } {
  const args = command.args;
  let index = from;
  let flags: string[] = [];
  let internalDate: Date | undefined;
  if (args[index]?.type === 'list') {
    flags = flagList(command, args[index] as Extract<ImapArg, { type: 'list' }>);
    index++;
  }
  const date = args[index];
  if (date?.type === 'string' && index < args.length - 1) {
    internalDate = parseDateTime(date.value.toString('latin1'));
    if (!internalDate) throw new ImapParseError(command.tag, `Invalid date-time ${describeArg(date)}`);
    index++;
  }
  if (index !== args.length - 1 || args[index].type !== 'stream') {
    throw new ImapParseError(
      command.tag,
      `Unexpected ${describeArg(args[index])} before the message literal`,
    );
  }
  return { flags, internalDate, next: index + 1 };
}

function flagList(command: ImapCommand, list: Extract<ImapArg, { type: 'list' }>): string[] {
  return list.items.map((item) => {
    if (item.type !== 'atom' || item.value === '\\Recent' || item.value === '\\*') {
      throw new ImapParseError(command.tag, `Invalid flag ${describeArg(item)} in APPEND`);
    }
    return item.value;
  });
}

async function commit(
  session: ImapSession,
  path: string,
  uidValidity: number,
  arrived: readonly Arrived[],
): Promise<Completion> {
  const stored: MessageMeta[] = [];
  for (const [index, message] of arrived.entries()) {
    try {
      stored.push(
        await appendStoredBody(session.services.storage, session.account!, path, message.body, {
          flags: message.flags,
          internalDate: message.internalDate,
        }),
      );
    } catch (err) {
      // appendStoredBody released this one's body; the ones after it are released here.
      await releaseAll(session, arrived.slice(index + 1));
      throw err;
    }
  }
  const uids = stored.map((message) => message.uid);
  return {
    status: 'OK',
    text: 'APPEND completed',
    code: { name: 'APPENDUID', args: [uidValidity, atom(uidSet(uids))] },
  };
}

async function releaseAll(session: ImapSession, arrived: readonly Arrived[]): Promise<void> {
  for (const message of arrived) {
    await session.services.storage.blobs.releaseBlob(message.body.blobId).catch((err: unknown) => {
      session.logger.warn({ err }, 'releasing an APPEND body failed');
    });
  }
}
