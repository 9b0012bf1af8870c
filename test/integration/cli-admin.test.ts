/**
 * `mailwright admin add` takes the password without putting it on the command line, where every
 * user of the machine sees it in ps: from standard input or from a file.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openConfiguredStorage } from '../../core/kernel/storage-open.js';
import { AdminService } from '../../core/directory/admin-service.js';
import { SecretBox } from '../../core/runtime/secrets.js';
import { CLI } from '../helpers/cli-process.js';

function mailwright(args: string[], stdin: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('close', (code) => resolve({ code, output }));
    child.stdin.end(stdin);
  });
}

describe('mailwright admin add', () => {
  let dir: string;
  after(() => rm(dir, { recursive: true, force: true }));

  it('reads the password from standard input or --password-file, and refuses an empty one', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'mw-cli-admin-'));
    const home = path.join(dir, 'home');
    const fromStdin = await mailwright(['admin', 'add', 'ops', '--home', home], 'piped secret\nignored\n');
    assert.equal(fromStdin.code, 0, fromStdin.output);
    const file = path.join(dir, 'password');
    await writeFile(file, 'secret from a file\n', { mode: 0o600 });
    const fromFile = await mailwright(['admin', 'add', 'audit', '--home', home, '--password-file', file], '');
    assert.equal(fromFile.code, 0, fromFile.output);
    const empty = await mailwright(['admin', 'add', 'nobody', '--home', home], '');
    assert.equal(empty.code, 1);
    assert.match(empty.output, /no password given/);

    const storage = await openConfiguredStorage({}, home, dir);
    try {
      const admins = new AdminService(storage.admins, await SecretBox.forHome(home));
      assert.equal(await admins.password('ops'), 'piped secret');
      assert.equal(await admins.password('audit'), 'secret from a file');
      assert.equal(await admins.password('nobody'), null);
    } finally {
      await storage.close();
    }
  });
});
