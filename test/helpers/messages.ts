import type { Envelope, MimeNode, NewMessage } from '../../core/model/index.js';

/** The envelope contract tests give a message unless they care about it. */
export const TEST_ENVELOPE: Envelope = {
  subject: 'Hello',
  from: 'a@b.test',
  to: 'c@d.test',
  messageId: '<m1@b.test>',
};

/** The MIME structure of a one-part text/plain body of `size` octets with a short header. */
export function plainMime(size: number): MimeNode {
  return {
    part: '',
    contentType: 'text/plain',
    params: { charset: 'utf-8' },
    headerStart: 0,
    bodyStart: Math.min(20, size),
    end: size,
    lines: 1,
  };
}

/** A message to append with a stored body: text/plain, a fixed internal date, no flags. */
export function newMessage(blob: { id: string; size: number }, extra: Partial<NewMessage> = {}): NewMessage {
  return {
    blobId: blob.id,
    size: blob.size,
    internalDate: new Date('2026-01-02T03:04:05.000Z'),
    flags: [],
    mime: plainMime(blob.size),
    envelope: TEST_ENVELOPE,
    ...extra,
  };
}
