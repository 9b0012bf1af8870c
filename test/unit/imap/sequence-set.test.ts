import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  messageNumbers,
  messageUids,
  parseSequenceSet,
  sequenceSetIncludes,
  type SequenceSet,
} from '../../../plugins/imap/protocol/index.js';

function set(text: string): SequenceSet {
  const parsed = parseSequenceSet(text);
  assert.ok(parsed, `${text} should parse`);
  return parsed;
}

describe('sequence sets (RFC 3501 §9, RFC 5182)', () => {
  it('parses numbers, ranges, * and lists as written', () => {
    assert.deepEqual(set('1:*'), { kind: 'ranges', ranges: [{ from: 1, to: '*' }] });
    assert.deepEqual(set('*:4'), { kind: 'ranges', ranges: [{ from: '*', to: 4 }] });
    assert.deepEqual(set('2,4:7,9'), {
      kind: 'ranges',
      ranges: [
        { from: 2, to: 2 },
        { from: 4, to: 7 },
        { from: 9, to: 9 },
      ],
    });
    assert.deepEqual(set('*'), { kind: 'ranges', ranges: [{ from: '*', to: '*' }] });
    assert.deepEqual(set('4294967295'), { kind: 'ranges', ranges: [{ from: 4294967295, to: 4294967295 }] });
    assert.deepEqual(set('$'), { kind: 'saved' });
  });

  it('refuses what is not a sequence set', () => {
    for (const text of [
      '',
      '0',
      '1:0',
      '01',
      '1:',
      ':1',
      '1::2',
      '1,',
      ',1',
      '1,,2',
      '4294967296',
      '$,1',
      '$:2',
      '1:$',
      'a',
      '1-2',
      '**',
      '1 2',
    ]) {
      assert.equal(parseSequenceSet(text), undefined, text);
    }
  });

  it('expands message numbers against the message count', () => {
    assert.deepEqual(messageNumbers(set('1:*'), 5), [1, 2, 3, 4, 5]);
    assert.deepEqual(messageNumbers(set('*:4'), 6), [4, 5, 6]);
    assert.deepEqual(messageNumbers(set('2,4:7,9'), 10), [2, 4, 5, 6, 7, 9]);
    assert.deepEqual(messageNumbers(set('7:4,5,1'), 10), [1, 4, 5, 6, 7]);
    // Numbers beyond the count name nothing; an empty mailbox has no `*`.
    assert.deepEqual(messageNumbers(set('3:4294967295'), 4), [3, 4]);
    assert.deepEqual(messageNumbers(set('8'), 4), []);
    assert.deepEqual(messageNumbers(set('1:*'), 0), []);
    assert.deepEqual(messageNumbers(set('*'), 3), [3]);
    assert.deepEqual(messageNumbers(set('$'), 5, [4, 2, 9, 2]), [2, 4]);
  });

  it('matches UIDs, * being the highest UID, ranges needing no existing ends (§6.4.8)', () => {
    const uids = [3, 7, 10, 15, 200];
    assert.deepEqual(messageUids(set('1:*'), uids), uids);
    assert.deepEqual(messageUids(set('4:12'), uids), [7, 10]);
    assert.deepEqual(messageUids(set('*'), uids), [200]);
    // `300:*` is `200:300` when 200 is the highest UID: it names the last message.
    assert.deepEqual(messageUids(set('300:*'), uids), [200]);
    assert.deepEqual(messageUids(set('1,15,16'), uids), [15]);
    assert.deepEqual(messageUids(set('1:*'), []), []);
    assert.deepEqual(messageUids(set('$'), uids, [10, 11, 3]), [3, 10]);
  });

  it('tells whether one number is in a set', () => {
    assert.equal(sequenceSetIncludes(set('2,4:7'), 5, 10), true);
    assert.equal(sequenceSetIncludes(set('2,4:7'), 3, 10), false);
    assert.equal(sequenceSetIncludes(set('*:8'), 9, 10), true);
    assert.equal(sequenceSetIncludes(set('*'), 9, 10), false);
    assert.equal(sequenceSetIncludes(set('$'), 9, 10, [9]), true);
  });
});
