import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AV_RESPONSES,
  AvProtocolError,
  dataIncompleteLine,
  formatResponse,
  loggedInLine,
  lookupFoundLine,
  noSuchEntityLine,
  okLine,
  parseResponseLine,
  unavailableLine,
  versionAcceptedLine,
  type AvResponseName,
} from '../../../plugins/altavista-admin/protocol/index.js';

describe('response lines (§2.3, decision 8)', () => {
  it('writes every fixed line exactly', () => {
    const expected: Record<AvResponseName, string> = {
      OK: '200 OK',
      TEST_PASSED: '200 Test passed',
      SEND_ATTRIBUTE_LINES: '220 Send attribute lines; end with "."',
      DATA_FOLLOWS: '230 Data follows',
      LOG_DATA_FOLLOWS: '240 Log data follows',
      SEND_LOG_DATA: '241 Send log data',
      GOODBYE: '250 Goodbye',
      UNKNOWN_COMMAND: '500 Unknown command',
      SYNTAX_ERROR: '501 Syntax error',
      NOT_AVAILABLE_IN_STATE: '502 Not available in this state',
      LOCAL_INITIATORS_ONLY: '503 Available only to local initiators',
      UNSUPPORTED_VERSION: '504 Unsupported protocol version',
      LOGIN_FAILED: '510 Login failed',
      UNSUPPORTED_LOGIN_METHOD: '511 Unsupported login method',
      MAILBOX_EXISTS: '521 Mailbox already exists',
      NO_SUCH_ATTRIBUTE: '522 No such attribute',
      ATTRIBUTE_READ_ONLY: '523 Attribute is read-only',
      INVALID_VALUE: '524 Invalid value',
      MAILBOX_HAS_SUBORDINATES: '525 Mailbox has subordinates',
      PERMISSION_DENIED: '530 Permission denied',
      USER_DOES_NOT_EXIST: '550 User does not exist',
      TEST_FAILED: '560 Test failed',
    };
    assert.deepEqual(Object.keys(AV_RESPONSES).sort(), Object.keys(expected).sort());
    for (const name of Object.keys(expected) as AvResponseName[]) {
      assert.equal(formatResponse(name), expected[name]);
    }
  });

  it('writes the lines with a variable part', () => {
    assert.equal(okLine(), '200 OK');
    assert.equal(okLine('Mailbox created'), '200 Mailbox created');
    assert.equal(versionAcceptedLine(2), '202 Version 2');
    assert.equal(loggedInLine('fred@staff'), '210 fred@staff');
    assert.equal(lookupFoundLine('fred@staff'), '211 fred@staff');
    assert.equal(unavailableLine('Server shutting down'), '421 Server shutting down');
    assert.equal(noSuchEntityLine('mailbox'), '520 No such mailbox');
    assert.equal(noSuchEntityLine('domain'), '520 No such domain');
    assert.equal(noSuchEntityLine('log'), '520 No such log');
    assert.equal(noSuchEntityLine('message'), '520 No such message');
    assert.equal(noSuchEntityLine('event'), '520 No such event');
    assert.equal(dataIncompleteLine('message deleted'), '540 Data transfer incomplete: message deleted');
  });

  it('AvProtocolError carries the wire line and its code; the detail is for logs', () => {
    const error = AvProtocolError.of('INVALID_VALUE', 'an interval must be digits');
    assert.equal(error.response, '524 Invalid value');
    assert.equal(error.code, 524);
    assert.equal(error.message, 'an interval must be digits');
    assert.equal(new AvProtocolError('520 No such log').message, '520 No such log');
  });

  it('reads response lines the way a client must: by the first digit', () => {
    assert.deepEqual(parseResponseLine('230 Data follows'), {
      code: 230,
      text: 'Data follows',
      verdict: 'success',
    });
    assert.deepEqual(parseResponseLine('421 bye'), { code: 421, text: 'bye', verdict: 'transient-failure' });
    assert.deepEqual(parseResponseLine('540 Data transfer incomplete: x'), {
      code: 540,
      text: 'Data transfer incomplete: x',
      verdict: 'permanent-failure',
    });
    assert.deepEqual(parseResponseLine('200 '), { code: 200, text: '', verdict: 'success' });
    for (const line of ['200', '200OK', '300 x', '20 x', 'fred', '.', '']) {
      assert.equal(parseResponseLine(line), undefined, line);
    }
  });
});
