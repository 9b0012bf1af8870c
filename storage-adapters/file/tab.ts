/**
 * XMail-style TAB tables: one record per line, fields separated by a TAB, text fields in double
 * quotes. XMail escapes only `"`; we also escape `\`, TAB, CR and LF so that every value round-trips
 * (XMail's own files stay readable by this parser, which is a superset).
 */
const ESCAPES: Record<string, string> = { '\\': '\\\\', '"': '\\"', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const UNESCAPES: Record<string, string> = { '\\': '\\', '"': '"', t: '\t', n: '\n', r: '\r' };

export function quote(value: string): string {
  return `"${value.replace(/[\\"\t\n\r]/g, (c) => ESCAPES[c])}"`;
}

function dequote(token: string): string {
  if (!token.startsWith('"')) return token;
  let out = '';
  for (let i = 1; i < token.length; i++) {
    const c = token[i];
    if (c === '"') break;
    if (c === '\\' && i + 1 < token.length) {
      const next = token[i + 1];
      out += UNESCAPES[next] ?? `\\${next}`;
      i++;
    } else {
      out += c;
    }
  }
  return out;
}

/** Numbers are written bare, like XMail's ids; everything else quoted. */
export function formatRow(fields: (string | number)[]): string {
  return fields.map((f) => (typeof f === 'number' ? String(f) : quote(f))).join('\t') + '\n';
}

export function parseRow(line: string): string[] {
  return line.split('\t').map(dequote);
}

/**
 * The complete lines of `text` as rows, skipping blank and `#` comment lines. A last line without
 * its newline is a write cut short and is ignored; `consumed` says how many bytes were whole.
 */
export function parseRows(text: Buffer): { rows: string[][]; consumed: number } {
  const end = text.lastIndexOf(0x0a) + 1;
  const rows: string[][] = [];
  for (const line of text.subarray(0, end).toString('utf8').split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    rows.push(parseRow(line.replace(/\r$/, '')));
  }
  return { rows, consumed: end };
}
