import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CLI, startServer, type RunningServer } from '../helpers/cli-process.js';

const run = promisify(execFile);

/** Runs `mailwright ...`, optionally with stdin; resolves with the exit code and output. */
function mailwright(
  args: string[],
  stdin = '',
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe('mailwright ctrl (the CTRL command-line client)', () => {
  let home: string;
  let server: RunningServer;
  let ctrl: (args: string[], stdin?: string) => ReturnType<typeof mailwright>;

  before(async () => {
    home = await mkdtemp(path.join(tmpdir(), 'mw-ctrl-cli-'));
    const config = path.join(home, 'mailwright.yaml');
    await writeFile(config, `home: ${home}\nplugins:\n  xmail-ctrl: {}\n`);
    await run(process.execPath, [CLI, 'admin', 'add', 'root', 's3cret pass', '--config', config]);
    server = await startServer([
      '--config',
      config,
      '--listen',
      'xmail-ctrl=127.0.0.1:0',
      '--listen',
      'xmail-ctrls=127.0.0.1:0',
    ]);
    const port = server.ports.get('xmail-ctrl')!;
    ctrl = (args, stdin) =>
      mailwright(
        ['ctrl', '--port', String(port), '--user', 'root', '--password', 's3cret pass', ...args],
        stdin,
      );
  });

  after(async () => {
    await server?.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('provisions a domain and users, and prints listings as a table, TSV and JSON', async () => {
    assert.deepEqual(await ctrl(['domainadd', 'cli.test']), { code: 0, stdout: 'OK\n', stderr: '' });
    assert.equal((await ctrl(['useradd', 'cli.test', 'alice', 'pw1', 'U'])).code, 0);
    assert.equal((await ctrl(['useradd', 'cli.test', 'bob', 'pw2', 'U'])).code, 0);
    const table = await ctrl(['domainlist']);
    assert.equal(table.stdout, 'DOMAIN\ncli.test\n');
    const tsv = await ctrl(['aliasadd', 'cli.test', 'al', 'alice']).then(() =>
      ctrl(['aliaslist', '--format', 'tsv']),
    );
    assert.equal(tsv.stdout, 'cli.test\tal\talice\n');
    const json = await ctrl(['uservars', 'cli.test', 'alice', '--format', 'json']);
    const vars = JSON.parse(json.stdout) as { name: string; value: string }[];
    assert.ok(
      vars.some((v) => v.name === 'MaxMBSize'),
      json.stdout,
    );
  });

  it('exits non-zero with the server error on a failure', async () => {
    const result = await ctrl(['useradd', 'cli.test', 'alice', 'pw', 'U']);
    assert.equal(result.code, 2);
    assert.equal(result.stderr, '-00013 User already exist\n');
    assert.equal(result.stdout, '');
  });

  it('uploads a file from stdin and reads it back, dot-stuffing included', async () => {
    const content = 'line one\n.starts with a dot\n\n';
    assert.equal((await ctrl(['cfgfileset', 'notes/readme.txt'], content)).code, 0);
    const back = await ctrl(['cfgfileget', 'notes/readme.txt']);
    assert.equal(back.stdout, content);
  });

  it('logs in over the native-TLS listener and with #!TLS', async () => {
    const tlsPort = server.ports.get('xmail-ctrls')!;
    const overTls = await mailwright([
      'ctrl',
      '--tls',
      '--port',
      String(tlsPort),
      '--user',
      'root',
      '--password',
      's3cret pass',
      'domainlist',
      '--format',
      'tsv',
    ]);
    assert.deepEqual(overTls, { code: 0, stdout: 'cli.test\n', stderr: '' });
    const upgraded = await ctrl(['--starttls', 'domainlist', '--format', 'tsv']);
    assert.equal(upgraded.stdout, 'cli.test\n', upgraded.stderr);
  });

  it('says clearly when the login is refused', async () => {
    const port = server.ports.get('xmail-ctrl')!;
    const result = await mailwright([
      'ctrl',
      '--port',
      String(port),
      '--user',
      'root',
      '--password',
      'wrong',
      'noop',
    ]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /login failed: -00105 Bad controller login/);
  });
});
