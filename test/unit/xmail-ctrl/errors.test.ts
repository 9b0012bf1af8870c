import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CTRL_LIST_FOLLOWS,
  CTRL_SEND_DATA,
  XMAIL_ERRORS,
  XMailCtrlError,
  formatErrorLine,
  formatSuccessLine,
  type XMailErrorName,
} from '../../../plugins/xmail-ctrl/protocol/index.js';

describe('response lines (spec §1 "Response line")', () => {
  it('formats the success lines', () => {
    assert.equal(formatSuccessLine(), '+00000 OK');
    assert.equal(formatSuccessLine(CTRL_LIST_FOLLOWS), '+00100 OK');
    assert.equal(formatSuccessLine(CTRL_SEND_DATA), '+00101 OK');
    assert.equal(formatSuccessLine(0, 'Ready to start TLS mode'), '+00000 Ready to start TLS mode');
  });

  it('formats every error line observed in the §6 transcripts', () => {
    const observed: [XMailErrorName, string][] = [
      ['BAD_CTRL_COMMAND', '-00103 Bad CTRL command syntax'],
      ['ALREADY_EXIST', '-00231 Already exist'],
      ['INVALID_HOSTNAME', '-00260 Invalid host name'],
      ['USER_EXIST', '-00013 User already exist'],
      ['DOMAIN_NOT_HANDLED', '-00059 POP3 domain not handled'],
      ['BAD_RFCNAME', '-00216 Name does not respect RFC822'],
      ['USER_NOT_FOUND', '-00012 User not found'],
      ['RECORD_NOT_FOUND', '-00157 Record not found in TAB file'],
      ['INVALID_PASSWORD', '-00024 Invalid password'],
      ['BAD_CTRL_LOGIN', '-00105 Bad controller login'],
      ['NOT_A_CUSTOM_DOMAIN', '-00120 Not a custom domain'],
      ['ALIAS_EXIST', '-00026 Alias already exist'],
      ['ALIAS_NOT_FOUND', '-00028 Alias not found'],
      ['BAD_TAG_ADDRESS', '-00132 Bad tag ( From: , etc ... ) address'],
      ['USER_NOT_MAILINGLIST', '-00050 User is not a mailing list'],
      ['ADOMAIN_EXIST', '-00205 Domain alias already exist'],
      ['ADOMAIN_NOT_FOUND', '-00206 Domain alias not found'],
      ['LINK_EXIST', '-00044 POP3 link already exist'],
      ['BAD_RELATIVE_PATH', '-00214 Error in relative path syntax'],
      ['LISTDIR_NOT_FOUND', '-00211 Listing directory not found'],
      ['FILE_OPEN', '-00019 Unable to open file'],
      ['FILE_MOVE', '-00164 Unable to move file'],
    ];
    for (const [name, line] of observed) assert.equal(formatErrorLine(name), line);
  });

  it('formats the §2.1 codes known from the source', () => {
    assert.equal(formatErrorLine('BAD_EMAIL_ADDR'), '-00033 Bad email address');
    assert.equal(formatErrorLine('LINK_NOT_FOUND'), '-00046 POP3 link not found');
    assert.equal(formatErrorLine('MLUSER_ALREADY_EXIST'), '-00052 Mailing list user already exist');
    assert.equal(formatErrorLine('MLUSER_NOT_FOUND'), '-00053 Mailing list user not found');
    assert.equal(formatErrorLine('EXTALIAS_EXIST'), '-00067 External alias already exist');
    assert.equal(formatErrorLine('EXTALIAS_NOT_FOUND'), '-00069 External alias not found');
    assert.equal(formatErrorLine('DOMAIN_ALREADY_HANDLED'), '-00104 Domain already exist');
    assert.equal(
      formatErrorLine('CTRL_ACCOUNTS_FILE_NOT_FOUND'),
      '-00106 Controller accounts file not found',
    );
    assert.equal(formatErrorLine('NO_MAILPROC_FILE'), '-00116 User mail processing file not present');
    assert.equal(formatErrorLine('SERVER_BUSY'), '-00129 Server too busy, retry later');
    assert.equal(formatErrorLine('IP_NOT_ALLOWED'), '-00130 Server does not like Your IP');
    assert.equal(formatErrorLine('MD5_AUTH_FAILED'), '-00142 MD5 authentication failed');
    assert.equal(formatErrorLine('LINE_TOO_LONG'), '-00162 Stream line too long');
    assert.equal(formatErrorLine('BAD_CMDSTR_CHARS'), '-00190 Bad characters in command line');
    assert.equal(formatErrorLine('SSL_ALREADY_ACTIVE'), '-00242 TLS link already active');
    assert.equal(formatErrorLine('SSL_DISABLED'), '-00249 TLS service disabled');
    assert.equal(formatErrorLine('DIR_CREATE'), '-00017 Unable to create directory');
    assert.equal(formatErrorLine('FILE_CREATE'), '-00010 Unable to create file');
    assert.equal(formatErrorLine('FILE_WRITE'), '-00021 Unable to write file');
  });

  it('has one entry per code', () => {
    const codes = Object.values(XMAIL_ERRORS).map((entry) => entry.code);
    assert.equal(new Set(codes).size, codes.length);
  });
});

describe('XMailCtrlError', () => {
  it('carries the name and answers with the fixed text, never the detail', () => {
    const error = new XMailCtrlError('RECORD_NOT_FOUND', 'user ghost@example.org');
    assert.ok(error instanceof Error);
    assert.equal(error.xmailError, 'RECORD_NOT_FOUND');
    assert.equal(error.message, 'user ghost@example.org');
    assert.equal(error.responseLine, '-00157 Record not found in TAB file');
    assert.equal(new XMailCtrlError('USER_NOT_FOUND').message, 'User not found');
  });
});
