/**
 * Pure protocol primitives of the IMAP plugin (no storage): the command parser and reader, the
 * argument tree, sequence sets, mailbox name encoding and the response writer.
 */
export { ImapParseError, type ImapErrorStatus } from './errors.js';
export {
  sequenceSetOf,
  describeArg,
  quoteForText,
  type ImapArg,
  type ImapCommand,
  type AtomArg,
  type NumberArg,
  type SequenceArg,
  type NilArg,
  type StringArg,
  type StreamArg,
  type ListArg,
  type SectionArg,
} from './arguments.js';
export {
  parseSequenceSet,
  sequenceSetIncludes,
  messageNumbers,
  messageUids,
  type SequenceSet,
  type SequenceRange,
  type SequenceNumber,
} from './sequence-set.js';
export { IMAP_COMMANDS, UID_COMMANDS } from './commands.js';
export {
  CommandParser,
  isTag,
  type ParserOptions,
  type LiteralMarker,
  type LineOutcome,
} from './command-parser.js';
export { StreamedLiteral, type LiteralSource } from './streamed-literal.js';
export {
  CommandReader,
  DEFAULT_COMMAND_LIMITS,
  LITERAL_CONTINUATION,
  LITERAL_MINUS_MAX,
  type CommandLimits,
  type CommandReaderOptions,
  type CommandEvent,
} from './command-reader.js';
export { encodeMailboxName, decodeMailboxName } from './mailbox-name.js';
export {
  Atom,
  Literal,
  Section,
  atom,
  literal,
  section,
  serialize,
  untagged,
  statusResponse,
  continuation,
  type ResponseValue,
  type ResponseStatus,
  type ResponseCode,
  type SerializeOptions,
} from './response.js';
export { formatDateTime, parseDateTime } from './date-time.js';
