/** Pure protocol primitives of the XMail CTRL plugin (no I/O, no storage): see /work/shared/specs/xmail-ctrl.md. */
export {
  XMAIL_ERRORS,
  CTRL_OK,
  CTRL_LIST_FOLLOWS,
  CTRL_SEND_DATA,
  CRLF,
  formatSuccessLine,
  formatErrorLine,
  XMailCtrlError,
  type XMailErrorName,
  type CtrlSuccessCode,
} from './errors.js';
export { tokenizeTabLine, dequoteToken, formatListingRow } from './tokenize.js';
export {
  wildMatch,
  wildMatchIgnoreCase,
  wildMatchAnyIgnoreCase,
  asciiLowerCase,
} from '../../../core/index.js';
export {
  CTRL_MAX_LINE_BYTES,
  CTRL_MAX_LOGIN_LINE_BYTES,
  CTRL_MAX_UPLOAD_LINE_BYTES,
  lineContent,
  classifyCommandLine,
  type CommandLineVerdict,
} from './lines.js';
export {
  DOT_LINE,
  stuffLine,
  unstuffLine,
  encodeDotStuffed,
  DotStuffEncoder,
  DotUnstuffDecoder,
  UploadLineTooLongError,
  UploadIncompleteError,
} from './dot-stuffing.js';
export {
  formatCtrlTimestamp,
  newCtrlTimestamp,
  formatGreeting,
  formatXMailDate,
  CTRL_TLS_LOGIN_LINE,
  CTRL_TLS_READY_LINE,
  parseLoginLine,
  ctrlMd5Digest,
  checkCtrlPassword,
  type LoginRequest,
} from './greeting.js';
export {
  CTRL_COMMANDS,
  BAD_COMMAND_ERROR,
  findCommand,
  acceptsTokenCount,
  resolveCommand,
  type CtrlCommandSpec,
  type CtrlResponseKind,
  type TokenCountRule,
  type ResolvedCommand,
} from './commands.js';
