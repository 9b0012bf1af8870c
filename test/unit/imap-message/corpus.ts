/** The MIME corpus (test/fixtures/mime-corpus) read as delivery reads it, for the unit tests. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { analyseMime } from '../../../core/index.js';
import type { MimeAnalysis } from '../../../core/mime/structure-stream.js';
import type { OpenRange } from '../../../plugins/imap/message/octets.js';

const corpusDir = fileURLToPath(new URL('../../../../test/fixtures/mime-corpus/', import.meta.url));

export interface Sample {
  name: string;
  bytes: Buffer;
  analysis: MimeAnalysis;
  /** Opens byte ranges, recording each range asked for. */
  open: OpenRange;
  opened: { start: number; end: number }[];
}

export function rangeOpener(bytes: Buffer, opened: { start: number; end: number }[] = []): OpenRange {
  return async (range) => {
    opened.push(range);
    const slice = bytes.subarray(range.start, range.end);
    return Readable.from(
      (function* () {
        for (let pos = 0; pos < slice.length; pos += 13) yield slice.subarray(pos, pos + 13);
      })(),
    );
  };
}

export async function sample(name: string): Promise<Sample> {
  const bytes = readFileSync(join(corpusDir, name));
  const analysis = await analyseMime(Readable.from([bytes]));
  const opened: { start: number; end: number }[] = [];
  return { name, bytes, analysis, open: rangeOpener(bytes, opened), opened };
}

export function corpusNames(): string[] {
  return readdirSync(corpusDir)
    .filter((name) => name.endsWith('.eml'))
    .sort();
}
