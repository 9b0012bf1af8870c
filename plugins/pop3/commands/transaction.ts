import type { Readable } from 'node:stream';
import { NotFoundError } from '../../../core/index.js';
import { MessageEncoder, streamMessage } from '../message-encoder.js';
import type { MaildropMessage } from '../maildrop.js';
import type { Pop3Session } from '../session.js';
import type { Pop3Command } from './index.js';

const NUMBER = /^\d{1,9}$/;

export const STAT: Pop3Command = {
  states: ['transaction'],
  async run(session, argument) {
    if (argument !== '') return session.send('-ERR STAT takes no argument');
    const maildrop = session.maildrop!;
    session.send(`+OK ${maildrop.visible.length} ${maildrop.totalOctets}`);
  },
};

export const LIST: Pop3Command = {
  states: ['transaction'],
  async run(session, argument) {
    if (argument === '') {
      const lines = session.maildrop!.visible.map((message) => `${message.number} ${message.octets}`);
      return session.send([`+OK ${lines.length} messages`, ...lines, '.'].join('\r\n'));
    }
    const message = messageArgument(session, argument);
    if (message) session.send(`+OK ${message.number} ${message.octets}`);
  },
};

export const UIDL: Pop3Command = {
  states: ['transaction'],
  async run(session, argument) {
    if (argument === '') {
      const lines = session.maildrop!.visible.map((message) => `${message.number} ${message.uidl}`);
      return session.send(['+OK unique-id listing follows', ...lines, '.'].join('\r\n'));
    }
    const message = messageArgument(session, argument);
    if (message) session.send(`+OK ${message.number} ${message.uidl}`);
  },
};

export const RETR: Pop3Command = {
  states: ['transaction'],
  async run(session, argument) {
    const message = messageArgument(session, argument);
    if (message) await sendMessage(session, message, `+OK ${message.octets} octets`, new MessageEncoder());
  },
};

/** RFC 1939 §7: the header, the blank line and the first n body lines; the rest is never read. */
export const TOP: Pop3Command = {
  states: ['transaction'],
  async run(session, argument) {
    const [number = '', lines = '', extra] = argument.split(' ');
    if (extra !== undefined || !NUMBER.test(lines)) return session.send('-ERR usage: TOP msg n');
    const message = messageArgument(session, number);
    if (message)
      await sendMessage(session, message, '+OK top of message follows', new MessageEncoder(Number(lines)));
  },
};

export const DELE: Pop3Command = {
  states: ['transaction'],
  async run(session, argument) {
    const message = messageArgument(session, argument);
    if (!message) return;
    message.deleted = true;
    session.send(`+OK message ${message.number} deleted`);
  },
};

export const RSET: Pop3Command = {
  states: ['transaction'],
  async run(session) {
    const maildrop = session.maildrop!;
    maildrop.reset();
    session.send(`+OK maildrop has ${maildrop.visible.length} messages (${maildrop.totalOctets} octets)`);
  },
};

export const NOOP: Pop3Command = {
  states: ['transaction'],
  async run(session) {
    session.send('+OK');
  },
};

/** The message a command names, or undefined after answering -ERR. */
function messageArgument(session: Pop3Session, argument: string): MaildropMessage | undefined {
  if (!NUMBER.test(argument)) {
    session.send('-ERR a message number is required');
    return undefined;
  }
  const number = Number(argument);
  const message = session.maildrop!.find(number);
  if (!message) {
    const marked = session.maildrop!.messages[number - 1]?.deleted;
    session.send(marked ? `-ERR message ${number} is deleted` : `-ERR no such message`);
  }
  return message;
}

/**
 * The body is opened before "+OK", so a missing body or a storage failure is still an -ERR; once
 * "+OK" is out, a failure can only drop the connection.
 */
async function sendMessage(
  session: Pop3Session,
  message: MaildropMessage,
  status: string,
  encoder: MessageEncoder,
): Promise<void> {
  let body: Readable;
  try {
    body = await session.services.storage.blobs.openBlob(message.blobId);
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    return session.send(`-ERR message ${message.number} no longer exists`);
  }
  await session.multiLine(status, (out) => streamMessage(body, out, encoder));
}
