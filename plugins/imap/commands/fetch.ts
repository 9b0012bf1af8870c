import type { MessageMeta } from '../../../core/index.js';
import { measureOctets, AS_STORED, isWireClean, type OctetMeasure } from '../message/octets.js';
import { renderSection } from '../message/body-section.js';
import { renderBodyStructure } from '../message/body-structure.js';
import { renderEnvelope } from '../message/envelope.js';
import { formatSection, parseSection, type PartialRange, type SectionSpec } from '../message/section.js';
import { atom as valueAtom, type ImapValue } from '../message/values.js';
import { bufferedWriter, writeSeparated } from '../message/value-writer.js';
import {
  describeArg,
  formatDateTime,
  ImapParseError,
  serialize,
  type ImapArg,
  type ImapCommand,
} from '../protocol/index.js';
import type { ImapSession } from '../session/session.js';
import { expectArgs } from './arguments.js';
import { ok, SELECTED, type CommandModule } from './command-module.js';
import { messagesOf, targetsOf } from './message-set.js';

/** One FETCH data item as asked for. */
type FetchItem =
  | {
      readonly kind: 'FLAGS' | 'UID' | 'INTERNALDATE' | 'RFC822.SIZE' | 'ENVELOPE' | 'BODY' | 'BODYSTRUCTURE';
    }
  | {
      readonly kind: 'section';
      /** The item name the response uses: `BODY[1.MIME]<0>`, `RFC822.HEADER`. */
      readonly reply: string;
      readonly spec: SectionSpec;
      readonly partial?: PartialRange;
      /** BODY.PEEK and RFC822.HEADER leave `\Seen` alone. */
      readonly peek: boolean;
    };

/** RFC 3501 §6.4.5 macros. */
const MACROS: Record<string, readonly string[]> = {
  ALL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'],
  FAST: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE'],
  FULL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY'],
};

/** RFC822 items are sections by another name (RFC 3501 §6.4.5). */
const RFC822_SECTIONS: Record<string, { text?: SectionSpec['text']; peek: boolean }> = {
  RFC822: { peek: false },
  'RFC822.HEADER': { text: 'HEADER', peek: true },
  'RFC822.TEXT': { text: 'TEXT', peek: false },
};

/**
 * RFC 3501 §6.4.5 FETCH and §6.4.8 UID FETCH. ENVELOPE, BODY and BODYSTRUCTURE come from the
 * structure stored at delivery (plugins/imap/message), never from a re-parse; body sections are
 * literals streamed from the blob store. A body item without PEEK sets `\Seen` (in a folder
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
      try {
        await fetchOne(session, command, target.sequence, message, items);
      } catch (err) {
        // Half a FETCH response is on the wire: the client cannot recover its framing.
        session.logger.error({ err, uid: message.uid }, 'FETCH failed mid-response');
        session.end('* BYE [SERVERBUG] Internal error while sending a message');
        throw err;
      }
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
  let flagsChanged = false;
  if (
    !folder.readOnly &&
    !flags.includes('\\Seen') &&
    items.some((item) => item.kind === 'section' && !item.peek)
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
  const measure = await measureOf(session, message, items);
  const data: ImapValue[] = [];
  if (command.uid && !items.some((item) => item.kind === 'UID')) data.push(valueAtom('UID'), message.uid);
  for (const item of items) data.push(...(await render(session, message, item, flags, measure)));
  if (flagsChanged && !items.some((item) => item.kind === 'FLAGS'))
    data.push(valueAtom('FLAGS'), flagList(flags));
  const out = bufferedWriter((bytes) => session.write(bytes));
  await out.write(Buffer.from(`* ${sequence} FETCH (`));
  await writeSeparated(out.write, data, session.enabled.has('UTF8=ACCEPT'));
  await out.write(Buffer.from(')\r\n'));
  await out.flush();
}

async function render(
  session: ImapSession,
  message: MessageMeta,
  item: FetchItem,
  flags: readonly string[],
  measure: OctetMeasure,
): Promise<ImapValue[]> {
  switch (item.kind) {
    case 'UID':
      return [valueAtom('UID'), message.uid];
    case 'FLAGS':
      return [valueAtom('FLAGS'), flagList(flags)];
    case 'INTERNALDATE':
      return [valueAtom('INTERNALDATE'), formatDateTime(message.internalDate)];
    case 'RFC822.SIZE':
      return [valueAtom('RFC822.SIZE'), measure.size(0, message.mime.end)];
    case 'ENVELOPE':
      return [valueAtom('ENVELOPE'), renderEnvelope(message.envelope)];
    case 'BODY':
    case 'BODYSTRUCTURE':
      return [
        valueAtom(item.kind),
        renderBodyStructure(message.mime, { extended: item.kind === 'BODYSTRUCTURE', measure }),
      ];
    case 'section': {
      const literal = await renderSection(message.mime, item.spec, item.partial, {
        open: (range) => session.services.storage.blobs.openBlob(message.blobId, range),
        measure,
      });
      return [valueAtom(item.reply), literal];
    }
  }
}

/**
 * How the stored body weighs on the wire (plugins/imap/message/octets.ts): read only when an item
 * needs sizes or line counts of a body that is not known to be clean.
 */
async function measureOf(
  session: ImapSession,
  message: MessageMeta,
  items: readonly FetchItem[],
): Promise<OctetMeasure> {
  const needs = items.some(
    (item) =>
      item.kind !== 'FLAGS' &&
      item.kind !== 'UID' &&
      item.kind !== 'INTERNALDATE' &&
      item.kind !== 'ENVELOPE',
  );
  if (!needs) return AS_STORED;
  const structural = items.some((item) => item.kind === 'BODY' || item.kind === 'BODYSTRUCTURE');
  if (isWireClean(message.mime) && !structural) return AS_STORED;
  return measureOctets(message.mime, (range) =>
    session.services.storage.blobs.openBlob(message.blobId, range),
  );
}

function flagList(flags: readonly string[]): ImapValue {
  return flags.map((flag) => valueAtom(flag));
}

function fetchItems(command: ImapCommand, arg: ImapArg): FetchItem[] {
  if (arg.type === 'atom' && MACROS[arg.value.toUpperCase()]) {
    return MACROS[arg.value.toUpperCase()].map((name) => fetchItem(command, { type: 'atom', value: name }));
  }
  const raw: readonly ImapArg[] = arg.type === 'list' ? arg.items : [arg];
  if (raw.length === 0) throw new ImapParseError(command.tag, 'Empty FETCH item list');
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
      case 'ENVELOPE':
      case 'BODY':
      case 'BODYSTRUCTURE':
        return { kind: name };
    }
    const rfc822 = RFC822_SECTIONS[name];
    if (rfc822)
      return { kind: 'section', reply: name, spec: { part: [], text: rfc822.text }, peek: rfc822.peek };
  }
  if (arg.type === 'section' && (arg.name === 'BODY' || arg.name === 'BODY.PEEK')) {
    const spec = parseSection(sectionText(command, arg.items));
    if (!spec) throw new ImapParseError(command.tag, `Invalid section ${describeArg(arg)}`);
    const partial = arg.partial && { origin: arg.partial.offset, count: arg.partial.length };
    const origin = partial ? `<${partial.origin}>` : '';
    return {
      kind: 'section',
      reply: `BODY[${formatSection(spec)}]${origin}`,
      spec,
      partial,
      peek: arg.name === 'BODY.PEEK',
    };
  }
  throw new ImapParseError(command.tag, `Unsupported FETCH item ${describeArg(arg)}`);
}

/** The section's items as text for parseSection: `1.HEADER.FIELDS (From "To")`. */
function sectionText(command: ImapCommand, items: readonly ImapArg[]): string {
  return items
    .map((item) => {
      if (item.type === 'atom') return item.value;
      if (item.type === 'number') return item.raw;
      if (item.type === 'list') {
        return `(${item.items.map((field) => serialize(fieldName(command, field)).toString('latin1')).join(' ')})`;
      }
      throw new ImapParseError(command.tag, `Invalid section item ${describeArg(item)}`);
    })
    .join(' ');
}

function fieldName(command: ImapCommand, field: ImapArg): string {
  if (field.type === 'atom') return field.value;
  if (field.type === 'string') return field.value.toString('latin1');
  throw new ImapParseError(command.tag, `Invalid header field name ${describeArg(field)}`);
}
