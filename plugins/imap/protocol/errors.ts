/**
 * The one error the IMAP protocol layer reports malformed or refused input with. It carries what
 * the session needs to answer: the tag when it was read (otherwise the answer is untagged, RFC 3501
 * §7.1.3), the status, an optional response code and a text saying what was wrong. The session
 * writes `responseLine` and carries on; nothing here closes a connection.
 */
export type ImapErrorStatus = 'BAD' | 'NO';

export class ImapParseError extends Error {
  constructor(
    /** The command's tag, or undefined when the line had none (or an invalid one). */
    readonly tag: string | undefined,
    readonly text: string,
    readonly status: ImapErrorStatus = 'BAD',
    /** A response code without brackets, e.g. `TOOBIG` (RFC 7888, RFC 4469). */
    readonly code?: string,
  ) {
    super(text);
    this.name = 'ImapParseError';
  }

  /** The same error for a command whose tag the caller knows (a mailbox name checked later). */
  withTag(tag: string): ImapParseError {
    return new ImapParseError(tag, this.text, this.status, this.code);
  }

  /** The response without line ending: `A1 BAD Unknown command`, `* BAD Missing tag`, `A1 NO [TOOBIG] ...`. */
  get responseLine(): string {
    const code = this.code === undefined ? '' : `[${this.code}] `;
    return `${this.tag ?? '*'} ${this.status} ${code}${this.text}`;
  }
}
