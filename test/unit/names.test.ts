import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  InvalidNameError,
  checkDomain,
  checkFolderPath,
  checkLocalPart,
  checkAdminFilePath,
  checkMailRootPath,
  isReservedMailRootPath,
  splitAddress,
} from '../../core/index.js';

/** Hostile names are refused by the core before any adapter sees them (storage issue, item 6). */
describe('name checks', () => {
  const refuses = (check: () => unknown, reason: RegExp) =>
    assert.throws(check, (err: unknown) => err instanceof InvalidNameError && reason.test(err.message));

  it('refuses path tricks, NUL and very long names in domains and local parts', () => {
    refuses(() => checkDomain('a/b.test'), /letters, digits/);
    refuses(() => checkDomain('..'), /letters, digits/);
    refuses(() => checkDomain('x\0.test'), /control character/);
    refuses(() => checkDomain(`${'a'.repeat(250)}.test`), /longer than 253/);
    refuses(() => checkLocalPart('../etc'), /not allowed|"\.\."/);
    refuses(() => checkLocalPart('a/b'), /not allowed/);
    refuses(() => checkLocalPart('.hidden'), /starts with "\."/);
    refuses(() => checkLocalPart('a\0b'), /control character/);
    refuses(() => checkLocalPart('x'.repeat(65)), /longer than 64/);
    refuses(() => checkLocalPart('a*'), /not allowed/);
    assert.equal(checkLocalPart('sales-*', { wildcard: true }), 'sales-*');
    assert.equal(checkDomain('*.Example.ORG', { wildcard: true }), '*.example.org');
    assert.equal(checkDomain('Example.ORG'), 'example.org');
  });

  it('keeps mail-root paths inside the root', () => {
    refuses(() => checkMailRootPath('../etc/passwd'), /"\.\."/);
    refuses(() => checkMailRootPath('domains/..\\x'), /"\.\."/);
    refuses(() => checkMailRootPath('a\0b'), /NUL/);
    refuses(() => checkMailRootPath('a/./b'), /"\." component/);
    assert.equal(checkMailRootPath('/etc/hostname'), 'etc/hostname');
    assert.equal(checkMailRootPath('custdomains\\x.tab'), 'custdomains/x.tab');
  });

  it('gives every mail-root path one spelling, as XMail would read it', () => {
    assert.equal(checkMailRootPath(''), '');
    assert.equal(checkMailRootPath('/'), '', 'one leading separator is dropped: the root');
    assert.equal(checkMailRootPath('\\'), '');
    assert.equal(checkMailRootPath('/conf/test.tab'), 'conf/test.tab');
    assert.equal(checkMailRootPath('\\conf\\test.tab'), 'conf/test.tab');
    assert.equal(checkMailRootPath('conf\\sub/test.tab'), 'conf/sub/test.tab', 'mixed separators');
    assert.equal(checkMailRootPath('custdomains/.sub.example.org.tab'), 'custdomains/.sub.example.org.tab');
    assert.equal(checkMailRootPath('MailUsers.tab'), 'MailUsers.tab', 'case is kept; the fence ignores it');
  });

  it('refuses every other spelling of a mail-root path instead of repairing it', () => {
    for (const value of [
      '//ctrlaccounts.tab',
      '\\\\mailusers.tab',
      '/\\domains.tab',
      '\\/domains.tab',
      '///x',
    ]) {
      refuses(() => checkMailRootPath(value), /absolute/);
    }
    for (const value of ['conf//test.tab', 'conf\\\\test.tab', 'conf/', 'conf/test.tab\\']) {
      refuses(() => checkMailRootPath(value), /empty component/);
    }
    for (const value of ['/./mailusers.tab', './mailusers.tab', 'conf/.', '.']) {
      refuses(() => checkMailRootPath(value), /"\." component/);
    }
    // Windows drops trailing dots and spaces: these would name mailusers.tab there.
    refuses(() => checkMailRootPath('mailusers.tab.'), /ends with "\."/);
    refuses(() => checkMailRootPath('domains./x.tab'), /ends with "\."/);
    refuses(() => checkMailRootPath('mailusers.tab '), /space/);
    refuses(() => checkMailRootPath(' mailusers.tab'), /space/);
    // Look-alikes of `/` and `.` and any other non-ASCII character.
    for (const value of [
      '\uff0fctrlaccounts.tab',
      'a\u2215b',
      'mailusers\uff0etab',
      'domains\u2044x',
      'caf\u00e9.tab',
    ]) {
      refuses(() => checkMailRootPath(value), /non-ASCII/);
    }
    refuses(() => checkMailRootPath('a\tb'), /control/);
    refuses(() => checkMailRootPath('mailusers.tab\0.txt'), /NUL/);
    for (const value of ['c:/x', 'a|b', 'x?', 'x*', 'a<b', 'a>b', 'a"b']) {
      refuses(() => checkMailRootPath(value), /reserved/);
    }
    refuses(() => checkMailRootPath('..'), /"\.\."/);
    refuses(() => checkMailRootPath('a..b'), /"\.\."/);
    refuses(() => checkMailRootPath('a/'.repeat(513)), /longer than 1024/);
    refuses(() => checkMailRootPath(`conf/${'x'.repeat(256)}`), /longer than 255/);
    assert.equal(checkMailRootPath(`conf/${'x'.repeat(255)}`), `conf/${'x'.repeat(255)}`);
  });

  it('fences the records off from the file commands, whatever the case', () => {
    for (const rel of [
      'mailusers.tab',
      'MailUsers.tab',
      'CTRLACCOUNTS.TAB',
      'domains.tab',
      'aliases.tab',
      'extaliases.tab',
      'aliasdomain.tab',
      'pop3links.tab',
      'blobs',
      'blobs/zz/x',
      'Blobs/zz/x',
      'logs/event.seq',
      'locks/mailusers.tab.lock',
      'tmp/1.x.tmp',
      'domains/x.test/alice/user.tab',
      'domains/x.test/alice/folders/INBOX.tab',
      'domains/x.test/alice/r@remote.test.uidl',
      'domains/x.test/alice/anything-new.tab',
      'Domains/X.test/Alice/User.tab',
      'domains/x.test/alice/mailproc.tab/x',
    ]) {
      assert.equal(isReservedMailRootPath(rel), true, rel);
      refuses(() => checkAdminFilePath(rel), /holds records/);
    }
    for (const rel of [
      '',
      'server.tab',
      'userdef.tab',
      'custdomains/x.test.tab',
      'cmdaliases/x.test/info.tab',
      'domains',
      'domains/x.test',
      'domains/x.test/mailproc.tab',
      'domains/x.test/userdef.tab',
      'domains/x.test/alice',
      'domains/x.test/alice/mailproc.tab',
      'conf/domains.tab',
    ]) {
      assert.equal(isReservedMailRootPath(rel), false, rel);
      assert.equal(checkAdminFilePath(rel), rel);
    }
    refuses(() => checkAdminFilePath('//ctrlaccounts.tab'), /absolute/);
    assert.equal(checkAdminFilePath('/server.tab'), 'server.tab');
  });

  it('checks folder paths and addresses', () => {
    refuses(() => checkFolderPath('a//b'), /empty/);
    refuses(() => checkFolderPath('../x'), /"\.\."/);
    assert.equal(checkFolderPath('inbox'), 'INBOX');
    assert.deepEqual(splitAddress('Bob@Example.ORG'), { local: 'Bob', domain: 'example.org' });
    refuses(() => splitAddress('nobody'), /local-part@domain/);
  });
});
