import type { FlagOperation } from '../../../core/index.js';
import { atom, ImapParseError, type ResponseValue } from '../protocol/index.js';
import { expectArgs, keyword } from './arguments.js';
import { ok, SELECTED, type CommandModule } from './command-module.js';
import { targetsOf } from './message-set.js';

const OPERATIONS: Record<string, FlagOperation> = { FLAGS: 'set', '+FLAGS': 'add', '-FLAGS': 'remove' };

/**
 * RFC 3501 §6.4.6 STORE and UID STORE: FLAGS, +FLAGS, -FLAGS, each with .SILENT. The new flags
 * of each message go out as FETCH unless silent. `\Recent` cannot be stored (RFC 3501 §2.3.2).
 */
export const store: CommandModule = {
  names: ['STORE'],
  states: SELECTED,
  uid: true,
  async run(command, session) {
    expectArgs(command, 3);
    const folder = session.selected!;
    const targets = targetsOf(command, 0, session);
    const item = keyword(command.args[1], command.tag, 'FLAGS, +FLAGS or -FLAGS');
    const silent = item.endsWith('.SILENT');
    const operation = OPERATIONS[silent ? item.slice(0, -'.SILENT'.length) : item];
    if (!operation) throw new ImapParseError(command.tag, `Invalid STORE item ${item}`);
    const value = command.args[2];
    const rawFlags = value.type === 'list' ? value.items : [value];
    const flags = rawFlags.map((flag) => {
      if (flag.type !== 'atom' || flag.value === '\\Recent' || flag.value === '\\*') {
        throw new ImapParseError(command.tag, 'Invalid flag in STORE');
      }
      return flag.value;
    });
    if (folder.readOnly)
      return { status: 'NO', text: 'The mailbox is read-only', code: { name: 'READ-ONLY' } };
    if (targets.length === 0) return ok(`${command.uid ? 'UID ' : ''}STORE completed`);
    const result = await session.services.storage.mail.updateFlags(folder.account, folder.path, {
      uids: targets.map((target) => target.uid),
      operation,
      flags,
    });
    for (const updated of result.updated) {
      folder.sawModseq(updated.uid, updated.modseq);
      if (silent) continue;
      const sequence = folder.sequenceOf(updated.uid);
      const items: ResponseValue[] = [atom('FLAGS'), updated.flags.map((flag) => atom(flag))];
      if (command.uid) items.unshift(atom('UID'), updated.uid);
      await session.untagged([sequence, atom('FETCH'), items]);
    }
    return ok(`${command.uid ? 'UID ' : ''}STORE completed`);
  },
};
