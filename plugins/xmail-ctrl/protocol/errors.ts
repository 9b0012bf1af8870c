/**
 * XMail CTRL result codes and the RESSTRING response line (spec §1 "Response line", §2.1).
 *
 * XMail numbers its errors by their position in `enum XMailErrors` (Errors.h, `__ERR_SUCCESS = 0`)
 * and sends them negated on the wire as `-DDDDD text`, where text is the fixed string from
 * Errors.cpp and never carries extra detail. The codes below are the ones a CTRL session can
 * produce (§2.1), plus the few storage failures XMail reports with its generic file/dir codes.
 */

interface XMailErrorEntry {
  readonly code: number;
  readonly text: string;
}

/** §2.1, keyed by XMail's own name without the `ERR_` prefix. */
export const XMAIL_ERRORS = {
  FILE_CREATE: { code: 10, text: 'Unable to create file' }, // Errors.h/.cpp; storage failure on uploads
  USER_NOT_FOUND: { code: 12, text: 'User not found' },
  USER_EXIST: { code: 13, text: 'User already exist' },
  DIR_CREATE: { code: 17, text: 'Unable to create directory' }, // decision 9 mentions it
  FILE_OPEN: { code: 19, text: 'Unable to open file' },
  FILE_WRITE: { code: 21, text: 'Unable to write file' }, // Errors.h/.cpp; storage failure on uploads
  INVALID_PASSWORD: { code: 24, text: 'Invalid password' },
  ALIAS_EXIST: { code: 26, text: 'Alias already exist' },
  ALIAS_NOT_FOUND: { code: 28, text: 'Alias not found' },
  BAD_EMAIL_ADDR: { code: 33, text: 'Bad email address' },
  LINK_EXIST: { code: 44, text: 'POP3 link already exist' },
  LINK_NOT_FOUND: { code: 46, text: 'POP3 link not found' },
  USER_NOT_MAILINGLIST: { code: 50, text: 'User is not a mailing list' },
  MLUSER_ALREADY_EXIST: { code: 52, text: 'Mailing list user already exist' },
  MLUSER_NOT_FOUND: { code: 53, text: 'Mailing list user not found' },
  DOMAIN_NOT_HANDLED: { code: 59, text: 'POP3 domain not handled' },
  EXTALIAS_EXIST: { code: 67, text: 'External alias already exist' },
  EXTALIAS_NOT_FOUND: { code: 69, text: 'External alias not found' },
  BAD_CTRL_COMMAND: { code: 103, text: 'Bad CTRL command syntax' },
  DOMAIN_ALREADY_HANDLED: { code: 104, text: 'Domain already exist' },
  BAD_CTRL_LOGIN: { code: 105, text: 'Bad controller login' },
  CTRL_ACCOUNTS_FILE_NOT_FOUND: { code: 106, text: 'Controller accounts file not found' },
  NO_MAILPROC_FILE: { code: 116, text: 'User mail processing file not present' },
  NOT_A_CUSTOM_DOMAIN: { code: 120, text: 'Not a custom domain' },
  SERVER_BUSY: { code: 129, text: 'Server too busy, retry later' },
  IP_NOT_ALLOWED: { code: 130, text: 'Server does not like Your IP' },
  BAD_TAG_ADDRESS: { code: 132, text: 'Bad tag ( From: , etc ... ) address' },
  MD5_AUTH_FAILED: { code: 142, text: 'MD5 authentication failed' },
  RECORD_NOT_FOUND: { code: 157, text: 'Record not found in TAB file' },
  LINE_TOO_LONG: { code: 162, text: 'Stream line too long' },
  FILE_MOVE: { code: 164, text: 'Unable to move file' },
  BAD_CMDSTR_CHARS: { code: 190, text: 'Bad characters in command line' },
  ADOMAIN_EXIST: { code: 205, text: 'Domain alias already exist' },
  ADOMAIN_NOT_FOUND: { code: 206, text: 'Domain alias not found' },
  LISTDIR_NOT_FOUND: { code: 211, text: 'Listing directory not found' },
  BAD_RELATIVE_PATH: { code: 214, text: 'Error in relative path syntax' },
  BAD_RFCNAME: { code: 216, text: 'Name does not respect RFC822' },
  ALREADY_EXIST: { code: 231, text: 'Already exist' },
  SSL_ALREADY_ACTIVE: { code: 242, text: 'TLS link already active' },
  SSL_DISABLED: { code: 249, text: 'TLS service disabled' },
  INVALID_HOSTNAME: { code: 260, text: 'Invalid host name' },
} as const satisfies Record<string, XMailErrorEntry>;

export type XMailErrorName = keyof typeof XMAIL_ERRORS;

/** Positive results (§1): plain success, "a listing follows (ends with `.`)", "send me data (ends with `.`)". */
export const CTRL_OK = 0;
export const CTRL_LIST_FOLLOWS = 100;
export const CTRL_SEND_DATA = 101;
export type CtrlSuccessCode = typeof CTRL_OK | typeof CTRL_LIST_FOLLOWS | typeof CTRL_SEND_DATA;

/** Every line the server sends ends with CRLF (§1 "Line endings"). */
export const CRLF = '\r\n';

/**
 * `+%05d %s` (CTRLSendCmdResult). The text is `OK` except for the greeting and `#!TLS`
 * (`Ready to start TLS mode`). Returned without the line ending.
 */
export function formatSuccessLine(code: CtrlSuccessCode = CTRL_OK, text = 'OK'): string {
  return `+${pad5(code)} ${text}`;
}

/**
 * `-%05d %s` with the fixed Errors.cpp text, e.g. `-00103 Bad CTRL command syntax`. Without line
 * ending. `text` replaces it only where XMail has no such case (a plug-in's login veto): clients
 * go by the code.
 */
export function formatErrorLine(name: XMailErrorName, text: string = XMAIL_ERRORS[name].text): string {
  return `-${pad5(XMAIL_ERRORS[name].code)} ${text}`;
}

function pad5(code: number): string {
  return String(code).padStart(5, '0');
}

/**
 * Thrown by command handlers to answer with an XMail error; the dispatcher formats it with
 * formatErrorLine. The wire text is always the fixed one: `detail` is for logs only.
 */
export class XMailCtrlError extends Error {
  readonly xmailError: XMailErrorName;

  constructor(xmailError: XMailErrorName, detail?: string) {
    super(detail ?? XMAIL_ERRORS[xmailError].text);
    this.name = 'XMailCtrlError';
    this.xmailError = xmailError;
  }

  /** The response line to send, e.g. `-00157 Record not found in TAB file`. */
  get responseLine(): string {
    return formatErrorLine(this.xmailError);
  }
}
