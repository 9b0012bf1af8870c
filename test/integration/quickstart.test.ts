import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { everyBuiltinListenerOnAFreePort } from '../helpers/builtin-listeners.js';
import { CLI, startServer, type RunningServer } from '../helpers/cli-process.js';

const run = promisify(execFile);

/**
 * The README's quickstart, step by step, with real clients: the embedded default server, an
 * administrator, a domain and a user made with `mailwright ctrl`, a message sent with swaks and
 * read back with curl over POP3 after STLS and over IMAP after STARTTLS. Only the ports differ (free ones, not the defaults).
 */
describe('README quickstart', () => {
  let home: string;
  let server: RunningServer;
  const port = (name: string) => String(server.ports.get(name));
  const mailwright = (...args: string[]) => run(process.execPath, [CLI, ...args], { cwd: home });

  before(async () => {
    home = await mkdtemp(path.join(tmpdir(), 'mw-quickstart-'));
    // Same as `npx mailwright start` in `home`, on free ports.
    server = await startServer(await everyBuiltinListenerOnAFreePort(), { cwd: home });
  });

  after(async () => {
    await server?.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('creates a mailbox with mailwright ctrl, sends with swaks and reads it back with curl over POP3 and IMAP', async () => {
    await mailwright('admin', 'add', 'admin', 'change-me');
    const ctrl = (...args: string[]) =>
      mailwright('ctrl', '--port', port('xmail-ctrl'), '--password', 'change-me', ...args);
    assert.equal((await ctrl('domainadd', 'example.test')).stdout, 'OK\n');
    assert.equal((await ctrl('useradd', 'example.test', 'alice', 's3cret', 'U')).stdout, 'OK\n');

    const sent = await run('swaks', [
      '--server',
      `127.0.0.1:${port('smtp')}`,
      '--from',
      'bob@elsewhere.test',
      '--to',
      'alice@example.test',
      '--header',
      'Subject: hello',
      '--body',
      'The first message.',
    ]);
    assert.match(sent.stdout, /^<- +250 2\.6\.0 Ok: queued as \S+$/m);

    let message = '';
    for (let attempt = 0; attempt < 50 && !message.includes('The first message.'); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      message = await run('curl', [
        '-sk',
        '--ssl-reqd',
        '-u',
        'alice@example.test:s3cret',
        `pop3://127.0.0.1:${port('pop3')}/1`,
      ])
        .then((r) => r.stdout)
        .catch(() => '');
    }
    assert.match(message, /^Return-Path: <bob@elsewhere\.test>\r\nReceived: /);
    assert.match(message, /\r\nSubject: hello\r\n/);
    assert.match(message, /\r\n\r\nThe first message\.\r\n/);
    const overImap = await run('curl', [
      '-sk',
      '--ssl-reqd',
      '-u',
      'alice@example.test:s3cret',
      `imap://127.0.0.1:${port('imap')}/INBOX;UID=1`,
    ]);
    assert.equal(overImap.stdout, message, 'IMAP reads the same bytes as POP3');

    const users = await ctrl('userlist', 'example.test', '--format', 'tsv');
    assert.match(
      users.stdout,
      /^example\.test\talice\tscrypt\$[^\t]+\tU\n$/,
      'the password is kept as an scrypt hash',
    );
  });
});
