/**
 * Writes the value tree FETCH data is rendered into (values.ts) to the client, streaming the
 * literals (a message body goes from the blob store to the socket chunk by chunk). Strings and
 * atoms are written by the protocol's serialiser, so quoting rules live in one place.
 */
import { serialize } from '../protocol/index.js';
import type { ImapValue } from './values.js';

export type WriteBytes = (bytes: Buffer) => Promise<void>;

export async function writeValue(write: WriteBytes, value: ImapValue, utf8: boolean): Promise<void> {
  if (value === null || typeof value === 'number' || typeof value === 'string') {
    await write(serialize(value, { utf8 }));
  } else if (Array.isArray(value)) {
    await write(OPEN);
    await writeSeparated(write, value, utf8);
    await write(CLOSE);
  } else if ('atom' in value) {
    await write(Buffer.from(value.atom, 'latin1'));
  } else if ('run' in value) {
    for (const item of value.run) await writeValue(write, item, utf8);
  } else {
    await write(Buffer.from(`{${value.size}}\r\n`));
    if (Buffer.isBuffer(value.literal)) {
      await write(value.literal);
    } else {
      let sent = 0;
      for await (const chunk of value.literal as AsyncIterable<Buffer>) {
        sent += chunk.length;
        await write(chunk);
      }
      // The size went out first: a short body would desynchronise the client, so end the connection.
      if (sent !== value.size) throw new Error(`a literal of ${value.size} octets had ${sent}`);
    }
  }
}

/** Items separated by one space (as inside a list or a FETCH response). */
export async function writeSeparated(
  write: WriteBytes,
  values: readonly ImapValue[],
  utf8: boolean,
): Promise<void> {
  for (const [index, item] of values.entries()) {
    if (index > 0) await write(SPACE);
    await writeValue(write, item, utf8);
  }
}

const OPEN = Buffer.from('(');
const CLOSE = Buffer.from(')');
const SPACE = Buffer.from(' ');

/**
 * Gathers small writes (the atoms, spaces and parentheses of a FETCH response) into one socket
 * write of up to `limit` bytes; a streamed literal passes through in chunks of that size, so
 * memory stays bounded whatever the message size. Call flush() at the end of the response.
 */
export function bufferedWriter(
  sink: WriteBytes,
  limit = 64 * 1024,
): { write: WriteBytes; flush(): Promise<void> } {
  let parts: Buffer[] = [];
  let size = 0;
  const flush = async (): Promise<void> => {
    if (size === 0) return;
    const bytes = Buffer.concat(parts, size);
    parts = [];
    size = 0;
    await sink(bytes);
  };
  return {
    async write(bytes) {
      parts.push(bytes);
      size += bytes.length;
      if (size >= limit) await flush();
    },
    flush,
  };
}
