import { atom } from '../protocol/index.js';
import type { ImapSession } from '../session/session.js';
import { expectArgs, mailboxPath } from './arguments.js';
import { ok, SELECTED, type CommandModule, type Completion } from './command-module.js';
import { targetsOf, uidSet } from './message-set.js';

/**
 * RFC 3501 §6.4.7 COPY / UID COPY and RFC 6851 MOVE / UID MOVE, with UIDPLUS's COPYUID (RFC
 * 4315). The store copies by reference (no body copy). MOVE copies, then removes the originals
 * with their own `\Deleted` flag set and expunged: a crash in between leaves a duplicate, never a
 * loss.
 */
export const copy: CommandModule = {
  names: ['COPY', 'MOVE'],
  states: SELECTED,
  uid: true,
  async run(command, session) {
    expectArgs(command, 2);
    const folder = session.selected!;
    const targets = targetsOf(command, 0, session);
    const destination = mailboxPath(command, 1, session);
    const move = command.name === 'MOVE';
    const name = `${command.uid ? 'UID ' : ''}${command.name}`;
    if (move && folder.readOnly)
      return { status: 'NO', text: 'The mailbox is read-only', code: { name: 'READ-ONLY' } };
    const { mail } = session.services.storage;
    const target = await mail.getFolder(session.account!, destination);
    if (!target) return { status: 'NO', text: 'Mailbox does not exist', code: { name: 'TRYCREATE' } };
    if (targets.length === 0) return ok(`${name} completed`);
    const pairs = await mail.copyMessages(
      folder.account,
      folder.path,
      targets.map((message) => message.uid),
      destination,
    );
    const copyUid = {
      name: 'COPYUID',
      args: [
        target.uidValidity,
        atom(uidSet(pairs.map(([from]) => from))),
        atom(uidSet(pairs.map(([, to]) => to))),
      ],
    };
    if (!move) return ok(`${name} completed`, pairs.length > 0 ? copyUid : undefined);
    if (pairs.length > 0) await session.untaggedStatus('OK', 'Moved', copyUid);
    return removeOriginals(
      session,
      pairs.map(([from]) => from),
      name,
    );
  },
};

async function removeOriginals(session: ImapSession, uids: number[], name: string): Promise<Completion> {
  const folder = session.selected!;
  const { mail } = session.services.storage;
  if (uids.length > 0) {
    await mail.updateFlags(folder.account, folder.path, { uids, operation: 'add', flags: ['\\Deleted'] });
    const removed = await mail.expunge(folder.account, folder.path, uids);
    const sequences = removed
      .map((uid) => folder.sequenceOf(uid))
      .filter((sequence) => sequence > 0)
      .sort((a, b) => b - a);
    for (const sequence of sequences) await session.untagged([sequence, atom('EXPUNGE')]);
    folder.forget(removed);
  }
  return ok(`${name} completed`);
}
