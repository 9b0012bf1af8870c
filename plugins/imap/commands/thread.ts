import type { ImapSession } from '../session/session.js';
import { describeArg, ImapParseError } from '../protocol/index.js';
import { baseSubject } from '../search/base-subject.js';
import { checkCharset, parseSearchKeys } from '../search/criteria.js';
import type { SearchCandidate } from '../search/evaluate.js';
import { searchSelected } from '../search/folder-search.js';
import { forEachHeaderField } from '../search/message-text.js';
import { sentTime } from '../search/sort-order.js';
import {
  formatThreads,
  orderedSubjectThreads,
  referenceThreads,
  type ThreadMessage,
} from '../search/threading.js';
import { ok, SELECTED, type CommandModule } from './command-module.js';

/** The algorithms THREAD knows, as CAPABILITY lists them (`THREAD=...`). */
export const THREAD_ALGORITHMS = ['ORDEREDSUBJECT', 'REFERENCES'] as const;

/**
 * RFC 5256 §4 THREAD and UID THREAD: `THREAD algorithm charset keys...`; the matches of the search
 * keys grouped into threads (search/threading.ts), as `* THREAD (1 2)(3 (4)(5))`.
 */
export const thread: CommandModule = {
  names: ['THREAD'],
  states: SELECTED,
  uid: true,
  async run(command, session) {
    const { args, tag } = command;
    const algorithm = args[0]?.type === 'atom' ? args[0].value.toUpperCase() : undefined;
    if (!THREAD_ALGORITHMS.some((known) => known === algorithm)) {
      throw new ImapParseError(
        tag,
        `Unknown threading algorithm ${args[0] ? describeArg(args[0]) : 'nothing'}: ` +
          `use ${THREAD_ALGORITHMS.join(' or ')}`,
      );
    }
    checkCharset(args[1], tag);
    const key = parseSearchKeys(args.slice(2), tag);
    const matches = await searchSelected(session, key);
    const messages: ThreadMessage[] = [];
    for (const match of matches) {
      messages.push(await threadMessage(session, match, command.uid, algorithm === 'REFERENCES'));
    }
    const threads = algorithm === 'REFERENCES' ? referenceThreads(messages) : orderedSubjectThreads(messages);
    const list = formatThreads(threads);
    await session.write(Buffer.from(`* THREAD${list ? ' ' : ''}${list}\r\n`, 'latin1'));
    return ok(`${command.uid ? 'UID ' : ''}THREAD completed`);
  },
};

/** What the algorithm needs of one message; References only for REFERENCES (read from the header). */
async function threadMessage(
  session: ImapSession,
  match: SearchCandidate,
  uid: boolean,
  withReferences: boolean,
): Promise<ThreadMessage> {
  const { envelope } = match.message;
  let references: string | undefined;
  if (withReferences) {
    await forEachHeaderField(session.services.storage.blobs, match.message, (field) => {
      if (field.name !== 'references') return false;
      references = field.value;
      return true;
    });
  }
  return {
    id: uid ? match.uid : match.sequence,
    sequence: match.sequence,
    sentTime: sentTime(match),
    subject: baseSubject(envelope.subject),
    messageId: envelope.messageId,
    inReplyTo: envelope.inReplyTo,
    references,
  };
}
