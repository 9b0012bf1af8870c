import { atom } from '../protocol/index.js';
import { checkCharset, parseSearchKeys } from '../search/criteria.js';
import { searchSelected } from '../search/folder-search.js';
import { parseSortCriteria, sortMessages } from '../search/sort-order.js';
import { ok, SELECTED, type CommandModule } from './command-module.js';

/**
 * RFC 5256 §3 SORT and UID SORT: `SORT (criteria) charset keys...`; the matches of the search
 * keys, in the order of the criteria (search/sort-order.ts), as `* SORT n n n`.
 */
export const sort: CommandModule = {
  names: ['SORT'],
  states: SELECTED,
  uid: true,
  async run(command, session) {
    const { args, tag } = command;
    const criteria = parseSortCriteria(args[0], tag);
    checkCharset(args[1], tag);
    const key = parseSearchKeys(args.slice(2), tag);
    const sorted = sortMessages(await searchSelected(session, key), criteria);
    await session.untagged([
      atom('SORT'),
      ...sorted.map((match) => (command.uid ? match.uid : match.sequence)),
    ]);
    return ok(`${command.uid ? 'UID ' : ''}SORT completed`);
  },
};
