/**
 * The MIME structure of a message, captured once at delivery so IMAP FETCH BODYSTRUCTURE, ENVELOPE
 * and BODY[section] are answered from it and byte ranges of the stored body, with no re-parse.
 */
export interface MimeNode {
  /** IMAP part number (`1`, `1.2`); the root is `''`. */
  part: string;
  contentType: string;
  params: Record<string, string>;
  disposition?: { type: string; params: Record<string, string> };
  id?: string;
  description?: string;
  encoding?: string;
  language?: string[];
  location?: string;
  md5?: string;
  /** Byte offsets into the stored body: [headerStart, bodyStart) is the header, [bodyStart, end) the body. */
  headerStart: number;
  bodyStart: number;
  end: number;
  lines: number;
  /**
   * Root only: the message's octets with every line ending as CRLF and a CRLF after the last line,
   * which is what POP3 RETR sends and LIST counts (a stored body may have bare LFs). Absent on
   * messages stored before it was recorded.
   */
  crlfSize?: number;
  children?: MimeNode[];
  /** For message/rfc822 parts, the envelope of the enclosed message. */
  envelope?: Envelope;
}

/** IMAP ENVELOPE fields, raw header values (decoding is the reader's concern). */
export interface Envelope {
  date?: string;
  subject?: string;
  from?: string;
  sender?: string;
  replyTo?: string;
  to?: string;
  cc?: string;
  bcc?: string;
  inReplyTo?: string;
  messageId?: string;
}
