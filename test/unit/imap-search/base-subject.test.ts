import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { asciiCasemap, baseSubject } from '../../../plugins/imap/search/base-subject.js';

describe('base subject (RFC 5256 §2.1)', () => {
  it('removes reply and forward leaders, blobs, trailers and [fwd: ] wrappers', () => {
    const cases: [string | undefined, string, boolean][] = [
      ['test', 'test', false],
      ['Re: test', 'test', true],
      ['RE: Re: re:test', 'test', true],
      ['Fwd: test', 'test', true],
      ['FW: test', 'test', true],
      ['fwd:test', 'test', true],
      ['Re[2]: test', 'test', true],
      ['Re [2]: test', 'test', true],
      ['[list] Re: test', 'test', true],
      ['Re: [list] Re: test', 'test', true],
      ['[list] test', 'test', false],
      ['[a][b] test', 'test', false],
      ['[only a blob]', '[only a blob]', false],
      ['[a] [only a blob]', '[only a blob]', false],
      ['test (fwd)', 'test', true],
      ['test (FWD) (fwd)  ', 'test', true],
      ['[fwd: Re: test]', 'test', true],
      ['[Fwd: [fwd: test] (fwd)]', 'test', true],
      ['Re: [fwd: test] (fwd)', 'test', true],
      ['[fwd: unfinished', '[fwd: unfinished', false],
      ['  lots   of \t space  ', 'lots of space', false],
      ['Re:\ttest', 'test', true],
      ['Reply: test', 'Reply: test', false],
      ['Refwd: test', 'Refwd: test', false],
      ['Re:', '', true],
      ['', '', false],
      [undefined, '', false],
      ['=?utf-8?q?Re=3A_caf=C3=A9?=', 'café', true],
      ['=?ISO-8859-1?Q?Fwd:_Gr=FC=DFe?= (fwd)', 'Grüße', true],
    ];
    for (const [raw, subject, replyOrForward] of cases) {
      assert.deepEqual(baseSubject(raw), { subject, replyOrForward }, JSON.stringify(raw));
    }
  });

  it('compares with i;ascii-casemap: ASCII letters only are upper-cased', () => {
    assert.equal(asciiCasemap('Grüße aus köln'), 'GRüßE AUS KöLN');
  });
});
