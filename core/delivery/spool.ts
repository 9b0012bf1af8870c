import type { Readable } from 'node:stream';
import type { BlobStore } from '../ports/blob-store.js';
import { storeMessageBody, type StoredBody } from './folder-append.js';

/** What the `Received:` trace header records (RFC 5321 §4.4). */
export interface ReceivedTrace {
  /** The name the client gave in HELO/EHLO. */
  heloName: string;
  remoteAddress: string;
  /** Reverse DNS name of the client, when known. */
  remoteHost?: string;
  /** This server's name. */
  byHost: string;
  /** RFC 3848 `with` keyword: ESMTP, ESMTPA, ESMTPS, ESMTPSA ... */
  protocol: string;
  id: string;
  /** Named in a `for` clause only when the message has this one recipient (no Bcc leak). */
  recipient?: string;
  date?: Date;
}

export interface SpoolRequest {
  body: Readable;
  received: ReceivedTrace;
  /** Adds `Return-Path: <returnPath>` on top: only for messages that end in local mailboxes. */
  returnPath?: string;
  /** Octets of `body` allowed; more and the spool fails with MessageTooLargeError. */
  maxBytes?: number;
}

/** The stored message: its size and trace fields include this server's Received (and Return-Path). */
export interface SpooledMessage extends StoredBody {
  /**
   * Octets of the `Return-Path:` field put on top for local mailboxes (0 without one). A copy that
   * leaves for another server starts after it: RFC 5321 §4.4 has only the final delivery add one.
   */
  returnPathBytes: number;
}

export class MessageTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`message exceeds the maximum size of ${maxBytes} bytes`);
    this.name = 'MessageTooLargeError';
  }
}

/**
 * Stores an incoming message: the trace headers, then the body, read once and streamed into the
 * BlobStore through the MIME analyser, so the structure is known without a second read. Resolves
 * once the body is on stable storage; the caller then owns the blob's one reference.
 */
export async function spoolMessage(blobs: BlobStore, request: SpoolRequest): Promise<SpooledMessage> {
  const returnPath = Buffer.from(
    request.returnPath !== undefined ? formatReturnPath(request.returnPath) : '',
    'utf8',
  );
  const prefix = Buffer.concat([returnPath, Buffer.from(formatReceived(request.received), 'utf8')]);
  const stored = await storeMessageBody(blobs, withPrefix(prefix, request.body, request.maxBytes));
  return { ...stored, returnPathBytes: returnPath.length };
}

async function* withPrefix(prefix: Buffer, body: Readable, maxBytes = Infinity): AsyncGenerator<Buffer> {
  yield prefix;
  let seen = 0;
  for await (const chunk of body) {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    seen += bytes.length;
    // Past the limit, keep reading so the sender's stream (an SMTP DATA phase) still ends
    // normally, but store nothing more; failing at the end leaves no blob behind.
    if (seen <= maxBytes) yield bytes;
  }
  if (seen > maxBytes) throw new MessageTooLargeError(maxBytes);
}

export function formatReturnPath(address: string): string {
  return `Return-Path: <${headerSafe(address)}>\r\n`;
}

/** `Received: from helo (host [ip])\r\n\tby host with PROTO id ID\r\n\tfor <rcpt>; date` */
export function formatReceived(trace: ReceivedTrace): string {
  const client = `${trace.remoteHost ? headerSafe(trace.remoteHost) + ' ' : ''}[${headerSafe(trace.remoteAddress)}]`;
  const lines = [
    `Received: from ${headerSafe(trace.heloName) || 'unknown'} (${client})`,
    `\tby ${headerSafe(trace.byHost)} (Mailwright) with ${trace.protocol} id ${headerSafe(trace.id)}`,
  ];
  if (trace.recipient !== undefined) lines.push(`\tfor <${headerSafe(trace.recipient)}>`);
  lines[lines.length - 1] += `; ${rfc5322Date(trace.date ?? new Date())}`;
  return lines.join('\r\n') + '\r\n';
}

/** Client-supplied text in a header: no control characters (no header injection), no `()<>`. */
function headerSafe(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x1f\x7f()<>]/g, '');
}

/** `Tue, 05 May 2026 10:00:00 +0000` */
function rfc5322Date(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}
