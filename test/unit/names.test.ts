import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  InvalidNameError,
  checkDomain,
  checkFolderPath,
  checkLocalPart,
  checkMailRootPath,
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

  it('checks folder paths and addresses', () => {
    refuses(() => checkFolderPath('a//b'), /empty/);
    refuses(() => checkFolderPath('../x'), /"\.\."/);
    assert.equal(checkFolderPath('inbox'), 'INBOX');
    assert.deepEqual(splitAddress('Bob@Example.ORG'), { local: 'Bob', domain: 'example.org' });
    refuses(() => splitAddress('nobody'), /local-part@domain/);
  });
});
