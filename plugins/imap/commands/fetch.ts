import type { Readable } from 'node:stream';
import type { MessageMeta } from '../../../core/index.js';
import {
  atom,
  describeArg,
  formatDateTime,
  ImapParseError,
  section,
  serialize,
  type ImapArg,
  type ImapCommand,
  type ResponseValue,
} from '../protocol/index.js';
import type { ImapSession } from '../session/session.js';
import { expectArgs } from './arguments.js';
import { ok, SELECTED, type CommandModule } from './command-module.js';
import { messagesOf, targetsOf } from './message-set.js';

/** One FETCH data item as asked for. */
type FetchItem =
  | { readonly kind: 'FLAGS' | 'UID' | 'INTERNALDATE' | 'RFC822.SIZE' }
  /** A part of the body: `BODY[...]`, `BODY.PEEK[...]`, RFC822, RFC822.HEADER, RFC822.TEXT. */
  | {
      readonly kind: 'body';
      /** The name the response uses (`BODY[]`, `RFC822.HEADER`). */
      readonly reply: (origin: number | undefined) => ResponseValue;
      readonly part: 'whole' | 'header' | 'text';
      readonly peek: boolean;
      readonly partial?: { readonly offset: number; readonly length: number };
    };

const MACROS: Record<string, string[]> = {
  FAST: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE'],
};

/**
 * RFC 3501 §6.4.5 FETCH and §6.4.8 UID FETCH. Body parts are sent as literals streamed from the
 * blob store, never read into memory whole. A body item without PEEK sets `\Seen` (in a folder
 * selected read-write) and the new FLAGS go out in the same response.
 */
export const fetch: CommandModule = {
  names: ['FETCH'],
  states: SELECTED,
  uid: true,
  async run(command, session) {
    expectArgs(command, 2, 3);
    if (command.args.length === 3) throw new ImapParseError(command.tag, 'FETCH modifiers are not supported');
    const targets = targetsOf(command, 0, session);
    const items = fetchItems(command, command.args[1]);
    const messages = await messagesOf(session, targets);
    for (const target of targets) {
      const message = messages.get(target.uid);
      // Expunged elsewhere and not announced yet: RFC 3501 §7.4.1 lets the server skip it.
      if (!message || target.sequence === 0) continue;
      await fetchOne(session, command, target.sequence, message, items);
    }
    return ok(`${command.uid ? 'UID ' : ''}FETCH completed`);
  },
};

async function fetchOne(
  session: ImapSession,
  command: ImapCommand,
  sequence: number,
  message: MessageMeta,
  items: readonly FetchItem[],
): Promise<void> {
  const folder = session.selected!;
  let flags = message.flags;
  const wantsFlags = items.some((item) => item.kind === 'FLAGS');
  let flagsChanged = false;
  if (
    !folder.readOnly &&
    !flags.includes('\\Seen') &&
    items.some((item) => item.kind === 'body' && !item.peek)
  ) {
    const result = await session.services.storage.mail.updateFlags(folder.account, folder.path, {
      uids: [message.uid],
      operation: 'add',
      flags: ['\\Seen'],
    });
    const updated = result.updated[0];
    if (updated) {
      flags = updated.flags;
      folder.sawModseq(message.uid, updated.modseq);
      flagsChanged = true;
    }
  }
  const head: ResponseValue[] = [];
  const bodies: Extract<FetchItem, { kind: 'body' }>[] = [];
  if (command.uid && !items.some((item) => item.kind === 'UID')) head.push(atom('UID'), message.uid);
  for (const item of items) {
    switch (item.kind) {
      case 'UID':
        head.push(atom('UID'), message.uid);
        break;
      case 'FLAGS':
        head.push(
          atom('FLAGS'),
          flags.map((flag) => atom(flag)),
        );
        break;
      case 'INTERNALDATE':
        head.push(atom('INTERNALDATE'), formatDateTime(message.internalDate));
        break;
      case 'RFC822.SIZE':
        head.push(atom('RFC822.SIZE'), message.size);
        break;
      case 'body':
        bodies.push(item);
        break;
    }
  }
  if (flagsChanged && !wantsFlags)
    head.push(
      atom('FLAGS'),
      flags.map((flag) => atom(flag)),
    );
  await session.write(Buffer.concat([Buffer.from(`* ${sequence} FETCH (`), joined(head)]));
  for (const [index, body] of bodies.entries()) {
    const range = bodyRange(message, body);
    const name = serialize(body.reply(body.partial ? range.origin : undefined));
    const size = range.end - range.start;
    const separator = head.length > 0 || index > 0 ? ' ' : '';
    await session.write(Buffer.from(`${separator}${name.toString('latin1')} {${size}}\r\n`, 'latin1'));
    if (size > 0)
      await pipeBody(session, await session.services.storage.blobs.openBlob(message.blobId, range));
  }
  await session.write(Buffer.from(')\r\n'));
}

/** Items separated by spaces, as one buffer. */
function joined(values: readonly ResponseValue[]): Buffer {
  return Buffer.concat(
    values.flatMap((value, index) =>
      index === 0 ? [serialize(value)] : [Buffer.from(' '), serialize(value)],
    ),
  );
}

async function pipeBody(session: ImapSession, body: Readable): Promise<void> {
  for await (const chunk of body) await session.write(chunk as Buffer);
}

/** The stored byte range an item reads, after its partial. */
function bodyRange(
  message: MessageMeta,
  item: Extract<FetchItem, { kind: 'body' }>,
): { start: number; end: number; origin: number } {
  const root = message.mime;
  let start = 0;
  let end = message.size;
  if (item.part === 'header') end = root.bodyStart;
  if (item.part === 'text') start = root.bodyStart;
  const origin = item.partial?.offset ?? 0;
  if (item.partial) {
    start = Math.min(end, start + item.partial.offset);
    end = Math.min(end, start + item.partial.length);
  }
  return { start, end, origin };
}

function fetchItems(command: ImapCommand, arg: ImapArg): FetchItem[] {
  const raw: ImapArg[] = arg.type === 'list' ? [...arg.items] : [arg];
  if (raw.length === 0) throw new ImapParseError(command.tag, 'Empty FETCH item list');
  if (
    raw.length === 1 &&
    raw[0].type === 'atom' &&
    MACROS[raw[0].value.toUpperCase()] &&
    arg.type !== 'list'
  ) {
    return MACROS[raw[0].value.toUpperCase()].map((name) =>
      fetchItem(command, { type: 'atom', value: name }),
    );
  }
  return raw.map((item) => fetchItem(command, item));
}

function fetchItem(command: ImapCommand, arg: ImapArg): FetchItem {
  if (arg.type === 'atom') {
    const name = arg.value.toUpperCase();
    switch (name) {
      case 'FLAGS':
      case 'UID':
      case 'INTERNALDATE':
      case 'RFC822.SIZE':
        return { kind: name };
      case 'RFC822':
        return { kind: 'body', reply: () => atom('RFC822'), part: 'whole', peek: false };
      case 'RFC822.HEADER':
        return { kind: 'body', reply: () => atom('RFC822.HEADER'), part: 'header', peek: true };
      case 'RFC822.TEXT':
        return { kind: 'body', reply: () => atom('RFC822.TEXT'), part: 'text', peek: false };
    }
  }
  if (arg.type === 'section' && (arg.name === 'BODY' || arg.name === 'BODY.PEEK')) {
    const spec =
      arg.items.length === 0 ? '' : arg.items[0].type === 'atom' ? arg.items[0].value.toUpperCase() : '?';
    const part = spec === '' ? 'whole' : spec === 'HEADER' ? 'header' : spec === 'TEXT' ? 'text' : undefined;
    if (part && arg.items.length <= 1) {
      return {
        kind: 'body',
        reply: (origin) => section('BODY', spec === '' ? [] : [atom(spec)], origin),
        part,
        peek: arg.name === 'BODY.PEEK',
        partial: arg.partial,
      };
    }
  }
  throw new ImapParseError(command.tag, `Unsupported FETCH item ${describeArg(arg)}`);
}
