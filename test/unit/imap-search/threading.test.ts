import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { baseSubject } from '../../../plugins/imap/search/base-subject.js';
import {
  formatThreads,
  messageIds,
  orderedSubjectThreads,
  referenceThreads,
  type ThreadMessage,
} from '../../../plugins/imap/search/threading.js';

interface Spec {
  n: number;
  subject?: string;
  id?: string;
  refs?: string[];
  inReplyTo?: string;
  /** Minutes after the epoch; defaults to the message number. */
  at?: number;
}

function message({ n, subject = `subject ${n}`, id, refs, inReplyTo, at }: Spec): ThreadMessage {
  return {
    id: n,
    sequence: n,
    sentTime: (at ?? n) * 60_000,
    subject: baseSubject(subject),
    messageId: id === undefined ? undefined : `<${id}>`,
    references: refs?.map((ref) => `<${ref}>`).join(' '),
    inReplyTo: inReplyTo === undefined ? undefined : `<${inReplyTo}>`,
  };
}

const references = (specs: Spec[]): string => formatThreads(referenceThreads(specs.map(message)));
const ordered = (specs: Spec[]): string => formatThreads(orderedSubjectThreads(specs.map(message)));

describe('THREAD=REFERENCES (RFC 5256 §4)', () => {
  it('gives the tree of the RFC 5256 §5 example: (2)(3 6 (4 23)(44 7 96))', () => {
    const root = 'm3@x';
    assert.equal(
      references([
        { n: 2, subject: 'A', id: 'm2@x', at: 1 },
        { n: 3, subject: 'B', id: root, at: 2 },
        { n: 6, subject: 'Re: B', id: 'm6@x', refs: [root], at: 3 },
        { n: 4, subject: 'Re: B', id: 'm4@x', refs: [root, 'm6@x'], at: 4 },
        { n: 23, subject: 'Re: B', id: 'm23@x', refs: [root, 'm6@x', 'm4@x'], at: 5 },
        { n: 44, subject: 'Re: B', id: 'm44@x', refs: [root, 'm6@x'], at: 6 },
        { n: 7, subject: 'Re: B', id: 'm7@x', refs: [root, 'm6@x', 'm44@x'], at: 7 },
        { n: 96, subject: 'Re: B', id: 'm96@x', refs: [root, 'm6@x', 'm44@x', 'm7@x'], at: 8 },
      ]),
      '(2)(3 6 (4 23)(44 7 96))',
    );
  });

  it('keeps a dummy parent of two replies at the root: ((3)(5))', () => {
    assert.equal(
      references([
        { n: 3, subject: 'one', id: 'a@x', refs: ['gone@x'] },
        { n: 5, subject: 'two', id: 'b@x', refs: ['gone@x'] },
      ]),
      '((3)(5))',
    );
  });

  it('promotes the only child of a dummy root, and children of dummies below the root', () => {
    assert.equal(references([{ n: 1, id: 'a@x', refs: ['gone@x'] }]), '(1)');
    assert.equal(
      references([
        { n: 1, subject: 'top', id: 'top@x' },
        { n: 2, subject: 'Re: top', id: 'c@x', refs: ['top@x', 'missing@x'] },
        { n: 3, subject: 'Re: top', id: 'd@x', refs: ['top@x', 'missing@x'] },
      ]),
      '(1 (2)(3))',
    );
  });

  it('falls back to the first id of In-Reply-To, and lets References win over it', () => {
    assert.equal(
      references([
        { n: 1, subject: 'x', id: 'a@x' },
        { n: 2, subject: 'y', id: 'b@x', inReplyTo: 'a@x' },
        { n: 3, subject: 'z', id: 'c@x', inReplyTo: 'a@x', refs: ['b@x'] },
      ]),
      '(1 2 3)',
    );
    assert.deepEqual(messageIds('<a@x> (comment) <not-an-id> <b@y>'), ['a@x', 'b@y']);
  });

  it('gives a repeated Message-ID to the first message only', () => {
    assert.equal(
      references([
        { n: 1, subject: 'one', id: 'same@x' },
        { n: 2, subject: 'two', id: 'same@x' },
        { n: 3, subject: 'Re: one', id: 'r@x', refs: ['same@x'] },
      ]),
      '(1 3)(2)',
    );
  });

  it('makes no loops, and a truncated References gives way to the full one', () => {
    assert.equal(
      references([
        { n: 1, subject: 'p', id: 'a@x', refs: ['b@x'] },
        { n: 2, subject: 'q', id: 'b@x', refs: ['a@x'] },
      ]),
      '(2 1)',
    );
    assert.equal(references([{ n: 1, subject: 'self', id: 'a@x', refs: ['a@x'] }]), '(1)');
    // 3 first seen under 1 (from 4's References), then its own References put it under 2.
    assert.equal(
      references([
        { n: 1, subject: 'r', id: 'a@x' },
        { n: 2, subject: 'Re: r', id: 'b@x', refs: ['a@x'] },
        { n: 4, subject: 'Re: r', id: 'd@x', refs: ['a@x', 'c@x'] },
        { n: 3, subject: 'Re: r', id: 'c@x', refs: ['a@x', 'b@x'] },
      ]),
      '(1 2 3 4)',
    );
  });

  it('gathers roots of one base subject: a reply under the original, equals under a dummy', () => {
    assert.equal(
      references([
        { n: 1, subject: 'Re: Hello', id: 'r@x' },
        { n: 2, subject: 'Hello', id: 'h@x' },
      ]),
      '(2 1)',
    );
    assert.equal(
      references([
        { n: 1, subject: 'Hello', id: 'a@x' },
        { n: 2, subject: 'hello', id: 'b@x' },
        { n: 3, subject: 'Re: HELLO', id: 'c@x' },
        { n: 4, subject: 'Other', id: 'o@x' },
        { n: 5, subject: '', id: 'e@x' },
        { n: 6, subject: '', id: 'f@x' },
      ]),
      '((1)(2)(3))(4)(5)(6)',
    );
    // A dummy in the table takes the other roots of its subject as children.
    assert.equal(
      references([
        { n: 1, subject: 'T', id: 'a@x', refs: ['gone@x'] },
        { n: 2, subject: 'T', id: 'b@x', refs: ['gone@x'] },
        { n: 3, subject: 'Re: T', id: 'c@x' },
      ]),
      '((1)(2)(3))',
    );
  });

  it('sorts siblings and threads by sent date, then by mailbox order', () => {
    assert.equal(
      references([
        { n: 1, subject: 'root', id: 'r@x', at: 10 },
        { n: 2, subject: 'Re: root', id: 'a@x', refs: ['r@x'], at: 30 },
        { n: 3, subject: 'Re: root', id: 'b@x', refs: ['r@x'], at: 20 },
        { n: 4, subject: 'Re: root', id: 'c@x', refs: ['r@x'], at: 20 },
        { n: 5, subject: 'early', id: 'e@x', at: 5 },
      ]),
      '(5)(1 (3)(4)(2))',
    );
    assert.equal(formatThreads(referenceThreads([])), '');
  });
});

describe('THREAD=ORDEREDSUBJECT (RFC 5256 §4)', () => {
  it('puts each base subject in one thread under its earliest message', () => {
    assert.equal(
      ordered([
        { n: 1, subject: 'Lunch', at: 5 },
        { n: 2, subject: 'Re: lunch', at: 6 },
        { n: 3, subject: 'Report', at: 1 },
        { n: 4, subject: 'Fwd: Lunch', at: 2 },
        { n: 5, subject: 'Re: Report', at: 3 },
        { n: 6, subject: '[x] lunch (fwd)', at: 7 },
        { n: 7, subject: 'Alone', at: 9 },
      ]),
      '(3 5)(4 (1)(2)(6))(7)',
    );
    assert.equal(ordered([{ n: 1, subject: 'a' }]), '(1)');
  });
});
