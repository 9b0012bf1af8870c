/**
 * FETCH ENVELOPE (RFC 3501 §7.4.2) from the Envelope stored at delivery (raw header values, one
 * per field), so no header is read at FETCH time.
 *
 * Field order: date, subject, from, sender, reply-to, to, cc, bcc, in-reply-to, message-id. Text
 * fields are sent as they are in the header, unfolded, encoded words not decoded (as Dovecot does;
 * RFC 3501 leaves decoding to the client). The subject is written for humans as Dovecot writes it:
 * runs of white space (TABs, folds) become one space, leading and trailing white space goes, and a
 * subject that needed any of that, or has `"`, `\` or 8-bit text, is sent as a literal. Sender and reply-to take the value of from when they are
 * absent or hold no address (RFC 3501: "the server sets the corresponding member of the envelope to
 * be the same value as the from member").
 */
import type { Envelope } from '../../../core/index.js';
import { renderAddressList } from './address-list.js';
import type { ImapValue } from './values.js';

export function renderEnvelope(envelope: Envelope): ImapValue {
  const from = renderAddressList(envelope.from);
  const sender = renderAddressList(envelope.sender) ?? from;
  const replyTo = renderAddressList(envelope.replyTo) ?? from;
  return [
    text(envelope.date),
    subject(envelope.subject),
    from,
    sender,
    replyTo,
    renderAddressList(envelope.to),
    renderAddressList(envelope.cc),
    renderAddressList(envelope.bcc),
    text(envelope.inReplyTo),
    text(envelope.messageId),
  ];
}

const PLAIN_QUOTABLE = /^[\x21\x23-\x5b\x5d-\x7e]+(?: [\x21\x23-\x5b\x5d-\x7e]+)*$/;

function subject(value: string | undefined): ImapValue {
  if (value === undefined) return null;
  if (value === '' || PLAIN_QUOTABLE.test(value)) return value;
  const collapsed = value.replace(/[\r\n\t ]+/g, ' ').trim();
  if (collapsed === '') return '';
  const bytes = Buffer.from(collapsed, 'utf8');
  return { literal: bytes, size: bytes.length };
}

/** A text field: no line break survives (the stored value is already unfolded; this is the guard). */
function text(value: string | undefined): ImapValue {
  if (value === undefined) return null;
  return /[\r\n]/.test(value) ? value.replace(/\r?\n/g, '') : value;
}
