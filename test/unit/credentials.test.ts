import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Account, Credential } from '../../core/model/directory.js';
import { CredentialService, type HashCheck } from '../../core/directory/credentials.js';
import { hashPassword, sameSecret, SecretBox, verifyPassword } from '../../core/runtime/secrets.js';

function account(credential: Credential): Account {
  return {
    domain: 'example.test',
    name: 'bob',
    seq: 1,
    kind: 'user',
    credential,
    vars: [],
    attributes: [],
    createdAt: new Date(),
  };
}

/** The hashes a CredentialService checked, through its HashCheck seam (the real scrypt check). */
function watchedService(secrets: SecretBox, legacySecrets: boolean) {
  const checked: string[] = [];
  const check: HashCheck = (password, hash) => {
    checked.push(hash);
    return verifyPassword(password, hash);
  };
  return { service: new CredentialService(secrets, legacySecrets, check), checked };
}

/** `scrypt$N$r$p$`: the parameters a hash was made with. */
function parametersOf(hash: string): string {
  return hash.split('$').slice(0, 4).join('$');
}

describe('credential checks cost one scrypt, whoever asks (no timing oracle for account names)', () => {
  let dir: string;
  let secrets: SecretBox;
  let realHash: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'mw-credentials-'));
    secrets = await SecretBox.forHome(dir);
    realHash = await hashPassword('right');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('checks a dummy hash with the real parameters for an unknown account, the same one each time', async () => {
    const { service, checked } = watchedService(secrets, false);
    assert.equal(await service.verify(null, 'right'), false);
    assert.equal(await service.verify(null, ''), false);
    assert.equal(checked.length, 2, 'one scrypt per check');
    assert.equal(parametersOf(checked[0]), parametersOf(realHash));
    assert.notEqual(checked[0], realHash);
    assert.equal(checked[1], checked[0], 'the dummy hash is made once, not per attempt');
  });

  it("checks an scrypt account's own hash", async () => {
    const { service, checked } = watchedService(secrets, false);
    const bob = account({ scheme: 'scrypt', hash: realHash });
    assert.equal(await service.verify(bob, 'right'), true);
    assert.equal(await service.verify(bob, 'wrong'), false);
    assert.deepEqual(checked, [realHash, realHash]);
  });

  it('pays the dummy scrypt for accounts without a hash: no password, legacy secrets (on or off)', async () => {
    for (const legacySecrets of [true, false]) {
      const { service, checked } = watchedService(secrets, legacySecrets);
      await service.verify(account({ scheme: 'none' }), '');
      await service.verify(account({ scheme: 'legacy', secret: secrets.seal('right') }), 'right');
      assert.equal(checked.length, 2);
      assert.ok(checked.every((hash) => parametersOf(hash) === parametersOf(realHash)));
    }
  });

  it('compares legacy secrets whole, whatever the lengths (sameSecret over SHA-256 digests)', async () => {
    const { service } = watchedService(secrets, true);
    const bob = account({ scheme: 'legacy', secret: secrets.seal('right') });
    assert.equal(await service.verify(bob, 'right'), true);
    for (const offered of ['wrong', 'righ', 'right ', 'RIGHT', '', 'right\0'])
      assert.equal(await service.verify(bob, offered), false, JSON.stringify(offered));
    assert.equal(
      await new CredentialService(secrets, false).verify(bob, 'right'),
      false,
      'legacy secrets are not used while the setting is off',
    );
  });

  it('sameSecret: equal only for equal strings, and never throws on different lengths', () => {
    assert.equal(sameSecret('pässwörd', 'pässwörd'), true);
    assert.equal(sameSecret('', ''), true);
    assert.equal(sameSecret('abc', 'abd'), false);
    assert.equal(sameSecret('abc', 'abcd'), false);
    assert.equal(sameSecret('a'.repeat(10_000), 'a'), false);
  });
});
