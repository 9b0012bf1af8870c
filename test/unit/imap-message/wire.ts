/**
 * A test-only writer of the ImapValue tree (plugins/imap/message/values.ts), choosing quoted or
 * literal strings as Dovecot 2.3 does, so its output can be compared with Dovecot's byte for byte:
 * a string is quoted when it is printable ASCII without `"` or `\`, else a literal.
 */
import type { ImapValue } from '../../../plugins/imap/message/values.js';

async function bytesOf(source: Buffer | NodeJS.ReadableStream): Promise<Buffer> {
  if (Buffer.isBuffer(source)) return source;
  const chunks: Buffer[] = [];
  for await (const chunk of source as AsyncIterable<Buffer | string>)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

export async function serialize(value: ImapValue): Promise<Buffer> {
  if (value === null) return Buffer.from('NIL');
  if (typeof value === 'number') return Buffer.from(String(value));
  if (typeof value === 'string') {
    if (/^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/.test(value)) return Buffer.from(`"${value}"`);
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([Buffer.from(`{${bytes.length}}\r\n`), bytes]);
  }
  if (Array.isArray(value)) {
    const items = await Promise.all(value.map(serialize));
    const out: Buffer[] = [Buffer.from('(')];
    items.forEach((item, i) => {
      if (i > 0) out.push(Buffer.from(' '));
      out.push(item);
    });
    out.push(Buffer.from(')'));
    return Buffer.concat(out);
  }
  if ('atom' in value) return Buffer.from(value.atom);
  if ('run' in value) return Buffer.concat(await Promise.all(value.run.map(serialize)));
  const bytes = await bytesOf(value.literal);
  if (bytes.length !== value.size)
    throw new Error(`literal of ${bytes.length} octets announced as ${value.size}`);
  return Buffer.concat([Buffer.from(`{${value.size}}\r\n`), bytes]);
}
