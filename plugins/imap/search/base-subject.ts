/**
 * RFC 5256 §2.1: the base subject of a message, which SORT SUBJECT orders by and THREAD groups by:
 * the subject without "Re:", "Fwd:", "[list-tag]" leaders, "(fwd)" trailers and "[fwd: ...]"
 * wrappers. Also says whether anything removed marked the message as a reply or forward, which
 * THREAD=REFERENCES needs (§4 step 5).
 */
import { decodeHeaderValue } from './message-text.js';

export interface BaseSubject {
  /** The base subject, as written (compare with ascii-casemap: subjectKey). */
  readonly subject: string;
  /**
   * A subj-refwd ("Re:", "Fwd:"), a "(fwd)" trailer (RFC 5256 §4 step 5B) or a "[fwd:" wrapper was
   * removed.
   */
  readonly replyOrForward: boolean;
}

/** subj-trailer = "(fwd)" / WSP, at the end. */
const TRAILER = /(?:\(fwd\)| )$/i;
/** subj-blob = "[" *BLOBCHAR "]" *WSP. */
const BLOB = '\\[[^\\[\\]]*\\] *';
/** subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":". */
const REFWD = `(?:re|fwd?) *(?:${BLOB})?:`;
/** subj-leader = (*subj-blob subj-refwd) / WSP. */
const LEADER = new RegExp(`^(?:(?:${BLOB})*${REFWD}| )`, 'i');
const LEADING_BLOB = new RegExp(`^${BLOB}`);
const FWD_HEADER = /^\[fwd:/i;

/**
 * The base subject of a Subject: header value (raw: encoded words are decoded here, step 1).
 * Steps as numbered in RFC 5256 §2.1.
 */
export function baseSubject(raw: string | undefined): BaseSubject {
  // (1) Decode encoded words; tabs and continuations to a space; runs of spaces to one.
  let subject = decodeHeaderValue(raw ?? '')
    .replace(/[\t\r\n]/g, ' ')
    .replace(/ {2,}/g, ' ');
  let replyOrForward = false;
  for (;;) {
    // (2) Remove subj-trailers.
    for (let trailer = TRAILER.exec(subject); trailer; trailer = TRAILER.exec(subject)) {
      if (trailer[0] !== ' ') replyOrForward = true;
      subject = subject.slice(0, -trailer[0].length);
    }
    // (3)-(5) Remove subj-leaders, and a subj-blob prefix that leaves something behind.
    for (let changed = true; changed;) {
      changed = false;
      const leader = LEADER.exec(subject);
      if (leader) {
        if (leader[0] !== ' ') replyOrForward = true;
        subject = subject.slice(leader[0].length);
        changed = true;
        continue;
      }
      const blob = LEADING_BLOB.exec(subject);
      if (blob && blob[0].length < subject.length) {
        subject = subject.slice(blob[0].length);
        changed = true;
      }
    }
    // (6) "[fwd: ... ]": unwrap and start again from (2).
    if (FWD_HEADER.test(subject) && subject.endsWith(']')) {
      subject = subject.slice('[fwd:'.length, -1);
      replyOrForward = true;
      continue;
    }
    return { subject, replyOrForward };
  }
}

/** i;ascii-casemap (RFC 4790): ASCII letters upper-cased, the rest as is; compare with compareOctets. */
export function asciiCasemap(text: string): string {
  return text.replace(/[a-z]+/g, (letters) => letters.toUpperCase());
}

/** Orders two strings by their UTF-8 octets (what i;ascii-casemap and i;octet compare). */
export function compareOctets(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
