import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatEventLines } from '../../../plugins/altavista-admin/protocol/index.js';

describe('Read Log stream (§2.9)', () => {
  it('orders Identifier, Time, the rest alphabetically, Text last, and ends with a blank line', () => {
    assert.deepEqual(
      formatEventLines({
        Text: ['Login failed for fred@staff'],
        Type: ['LoginFailure'],
        Protocol: ['Administration'],
        Time: ['Fri, 13 Sep 1996 14:30:00 GMT'],
        Mailbox: ['fred@staff'],
        Address: ['192.0.2.7'],
        Identifier: ['842630400.17'],
      }),
      [
        'Identifier: 842630400.17',
        'Time: Fri, 13 Sep 1996 14:30:00 GMT',
        'Address: 192.0.2.7',
        'Mailbox: fred@staff',
        'Protocol: Administration',
        'Type: LoginFailure',
        'Text: Login failed for fred@staff',
        '',
      ],
    );
  });

  it('continues a multi-line value on lines starting with one space', () => {
    assert.deepEqual(
      formatEventLines({
        Identifier: ['1.2'],
        Parameters: ['Identifier', 'Parameters', 'Text'],
        Text: ['first', '', ' indented', '.'],
      }),
      [
        'Identifier: 1.2',
        'Parameters: Identifier',
        ' Parameters',
        ' Text',
        'Text: first',
        ' ',
        '  indented',
        ' .',
        '',
      ],
    );
  });

  it('writes an empty value as an empty first line', () => {
    assert.deepEqual(formatEventLines({ Host: [] }), ['Host: ', '']);
  });
});
