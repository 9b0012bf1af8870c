/**
 * Response lines of the native protocol (spec §2.3, decision 8): `code SP text`, the first digit
 * the verdict. Every line a command module sends comes from here, so the fixed texts cannot drift.
 * Lines are returned without their CRLF.
 */

interface FixedResponse {
  readonly code: number;
  readonly text: string;
}

/** The §2.3 rows whose whole line is fixed, keyed by what they mean. */
export const AV_RESPONSES = {
  OK: { code: 200, text: 'OK' },
  TEST_PASSED: { code: 200, text: 'Test passed' },
  SEND_ATTRIBUTE_LINES: { code: 220, text: 'Send attribute lines; end with "."' },
  DATA_FOLLOWS: { code: 230, text: 'Data follows' },
  LOG_DATA_FOLLOWS: { code: 240, text: 'Log data follows' },
  SEND_LOG_DATA: { code: 241, text: 'Send log data' },
  GOODBYE: { code: 250, text: 'Goodbye' },
  UNKNOWN_COMMAND: { code: 500, text: 'Unknown command' },
  SYNTAX_ERROR: { code: 501, text: 'Syntax error' },
  NOT_AVAILABLE_IN_STATE: { code: 502, text: 'Not available in this state' },
  LOCAL_INITIATORS_ONLY: { code: 503, text: 'Available only to local initiators' },
  UNSUPPORTED_VERSION: { code: 504, text: 'Unsupported protocol version' },
  LOGIN_FAILED: { code: 510, text: 'Login failed' },
  UNSUPPORTED_LOGIN_METHOD: { code: 511, text: 'Unsupported login method' },
  MAILBOX_EXISTS: { code: 521, text: 'Mailbox already exists' },
  NO_SUCH_ATTRIBUTE: { code: 522, text: 'No such attribute' },
  ATTRIBUTE_READ_ONLY: { code: 523, text: 'Attribute is read-only' },
  INVALID_VALUE: { code: 524, text: 'Invalid value' },
  MAILBOX_HAS_SUBORDINATES: { code: 525, text: 'Mailbox has subordinates' },
  PERMISSION_DENIED: { code: 530, text: 'Permission denied' },
  USER_DOES_NOT_EXIST: { code: 550, text: 'User does not exist' },
  TEST_FAILED: { code: 560, text: 'Test failed' },
} as const satisfies Record<string, FixedResponse>;

export type AvResponseName = keyof typeof AV_RESPONSES;

/** `code SP text`. */
export function responseLine(code: number, text: string): string {
  return `${code} ${text}`;
}

/** One of the fixed lines, e.g. `formatResponse('SYNTAX_ERROR')` is `501 Syntax error`. */
export function formatResponse(name: AvResponseName): string {
  const { code, text } = AV_RESPONSES[name];
  return responseLine(code, text);
}

/** `200 <text>`: 200's text is free (decision 8), `OK` unless a command has something to say. */
export function okLine(text: string = AV_RESPONSES.OK.text): string {
  return responseLine(200, text);
}

/** `202 Version <n>`. */
export function versionAcceptedLine(version: number): string {
  return responseLine(202, `Version ${version}`);
}

/** `210 <mailbox-name>`: always the answer to a successful Login, with the canonical name (§2.5.3). */
export function loggedInLine(mailbox: string): string {
  return responseLine(210, mailbox);
}

/** `211 <mailbox-name>`: a successful Lookup. */
export function lookupFoundLine(mailbox: string): string {
  return responseLine(211, mailbox);
}

/** `421 <text>`: shutting down or unavailable; the text is free, the connection closes after it. */
export function unavailableLine(text: string): string {
  return responseLine(421, text);
}

/** The entity kinds a `520 No such <kind>` names, in the lower case the spec shows (`520 No such mailbox`). */
export type MissingEntityKind = 'mailbox' | 'domain' | 'log' | 'message' | 'event';

/** `520 No such <kind>`. */
export function noSuchEntityLine(kind: MissingEntityKind): string {
  return responseLine(520, `No such ${kind}`);
}

/** `540 Data transfer incomplete: <reason>`, sent by the data's sender after the `.` line. */
export function dataIncompleteLine(reason: string): string {
  return responseLine(540, `Data transfer incomplete: ${reason}`);
}

/**
 * A failure a parser or command module reports: the dispatcher sends `response` and the session
 * goes on. The wire line is always the spec's; `detail` (the message) is for logs.
 */
export class AvProtocolError extends Error {
  readonly response: string;

  constructor(response: string, detail?: string) {
    super(detail ?? response);
    this.name = 'AvProtocolError';
    this.response = response;
  }

  /** The three-digit code of the response. */
  get code(): number {
    return Number(this.response.slice(0, 3));
  }

  static of(name: AvResponseName, detail?: string): AvProtocolError {
    return new AvProtocolError(formatResponse(name), detail);
  }
}

/** §2.3: clients decide from the first digit alone. */
export type Verdict = 'success' | 'transient-failure' | 'permanent-failure';

export interface ParsedResponse {
  readonly code: number;
  readonly text: string;
  readonly verdict: Verdict;
}

const VERDICTS: Readonly<Record<string, Verdict>> = {
  '2': 'success',
  '4': 'transient-failure',
  '5': 'permanent-failure',
};

/** A response line as a client reads it, or undefined when it is not `ddd SP text` with a known verdict digit. */
export function parseResponseLine(line: string): ParsedResponse | undefined {
  const match = /^([245]\d\d) (.*)$/s.exec(line);
  if (!match) return undefined;
  return { code: Number(match[1]), text: match[2], verdict: VERDICTS[match[1][0]] };
}
