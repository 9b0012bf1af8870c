import { atom } from '../protocol/index.js';
import { checkCharset, parseSearchKeys } from '../search/criteria.js';
import { searchSelected } from '../search/folder-search.js';
import {
  esearchResponse,
  parseReturnOptions,
  savedMatches,
  type ReturnOptions,
} from '../search/search-result.js';
import { ok, SELECTED, type CommandModule } from './command-module.js';

/**
 * RFC 3501 §6.4.4 SEARCH and §6.4.8 UID SEARCH, with RETURN options (ESEARCH, RFC 4731) and
 * RETURN (SAVE) (SEARCHRES, RFC 5182): `SEARCH [RETURN (...)] [CHARSET x] keys...`. The keys are
 * read by search/criteria.ts and judged by search/evaluate.ts.
 */
export const search: CommandModule = {
  names: ['SEARCH'],
  states: SELECTED,
  uid: true,
  async run(command, session) {
    const folder = session.selected!;
    const { args, tag } = command;
    let at = 0;
    let options: ReturnOptions | undefined;
    if (args[0]?.type === 'atom' && args[0].value.toUpperCase() === 'RETURN') {
      options = parseReturnOptions(args[1], tag);
      at = 2;
    }
    try {
      const first = args[at];
      if (first?.type === 'atom' && first.value.toUpperCase() === 'CHARSET') {
        checkCharset(args[at + 1], tag);
        at += 2;
      }
      const key = parseSearchKeys(args.slice(at), tag);
      const matches = await searchSelected(session, key);
      const numbers = matches.map((match) => (command.uid ? match.uid : match.sequence));
      if (!options) {
        await session.untagged([atom('SEARCH'), ...numbers]);
      } else {
        const response = esearchResponse(tag, command.uid, numbers, options);
        if (response) await session.untagged(response);
        if (options.save) {
          folder.savedSearch = savedMatches(
            matches.map((match) => match.uid),
            options,
          );
        }
      }
    } catch (err) {
      // RFC 5182 §2.1: a SEARCH that was to save its result and failed leaves `$` empty.
      if (options?.save) folder.savedSearch = [];
      throw err;
    }
    return ok(`${command.uid ? 'UID ' : ''}SEARCH completed`);
  },
};
