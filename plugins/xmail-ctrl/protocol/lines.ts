/**
 * Line framing of the CTRL session (spec §1 "Max line", "Line endings"; decisions 3, 6 and 11).
 *
 * XMail reads lines with `BSckGetString(buffer, sizeof(buffer) - 1)`. Observed on the wire
 * (decision 11): with the 4096-byte command buffer a line may hold at most 4094 bytes INCLUDING its
 * line ending (`4092 chars + CRLF` passes, `4093 + CRLF` closes the session; with a bare LF 4093
 * chars pass). The same arithmetic gives 254 bytes for the login line (256-byte buffer) and 2046 for
 * upload lines (2048-byte buffer of MscRecvTextFile).
 */

export const CTRL_MAX_LINE_BYTES = 4094;
export const CTRL_MAX_LOGIN_LINE_BYTES = 254;
export const CTRL_MAX_UPLOAD_LINE_BYTES = 2046;

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const MAX_ASCII = 127;

/**
 * The C string XMail works on for one received line: LF and then every trailing CR removed
 * (BSckGetString), and cut at the first NUL byte, since everything after it is invisible to C.
 */
export function lineContent(raw: Buffer): Buffer {
  let end = raw.length;
  if (end > 0 && raw[end - 1] === LF) end--;
  while (end > 0 && raw[end - 1] === CR) end--;
  const nul = raw.indexOf(NUL);
  return raw.subarray(0, nul >= 0 && nul < end ? nul : end);
}

export type CommandLineVerdict =
  | { readonly kind: 'line'; readonly text: string }
  /** Close the session with no reply (§1, decision 6: MscCmdStringCheck). */
  | { readonly kind: 'close'; readonly reason: 'non-ascii' };

/**
 * Decision 6 / §1: a command or login line containing any byte > 127 closes the session silently.
 * Otherwise the line's text, ready for tokenizeTabLine.
 */
export function classifyCommandLine(raw: Buffer): CommandLineVerdict {
  const content = lineContent(raw);
  if (content.some((byte) => byte > MAX_ASCII)) return { kind: 'close', reason: 'non-ascii' };
  return { kind: 'line', text: content.toString('latin1') };
}
