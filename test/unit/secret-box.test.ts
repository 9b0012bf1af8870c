/**
 * SecretBox round trips. Found by the CTRL fuzzer (test/fuzz/ctrl.fuzz.test.ts): a POP3 link added
 * with an empty password (`poplnkadd ... "" CLR`) sealed to `v1$iv$tag$`, which open() refused,
 * so every later `poplnklist` failed with -00019 until the link was deleted.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SecretBox } from '../../core/runtime/secrets.js';

describe('SecretBox', () => {
  let dir: string;
  let secrets: SecretBox;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'mw-secret-box-'));
    secrets = await SecretBox.forHome(dir);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('opens what it sealed, the empty secret included', () => {
    for (const plain of ['', 'x', 'pass word', 'Grüße 😀', '$v1$'])
      assert.equal(secrets.open(secrets.seal(plain)), plain);
  });

  it('refuses text that is no sealed secret', () => {
    for (const text of ['', 'plain', 'v1', 'v1$a$b', 'v2$a$b$c'])
      assert.throws(() => secrets.open(text), /not a sealed secret/);
  });
});
