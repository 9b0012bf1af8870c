/**
 * Command-line IMAP clients against the server on every storage adapter: curl reads a message by
 * UID, and mbsync (isync) syncs a mailbox both ways: the server's mail down to a local Maildir,
 * local flags, deletions and a large import back up (APPEND), then a change on the server down
 * again. The import size is MW_IMAP_IMPORT (default 1,000 messages; 100 on FerretDB).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { appendToFolder, type AccountKey } from '../../core/index.js';
import { useAdapterInfra } from '../helpers/adapter-infra.js';
import { ADAPTER_NAMES, type TestStorage } from '../helpers/adapters.js';
import { directorySetup } from '../helpers/directory-setup.js';
import { onFreePorts, startTestKernel, type TestKernel } from '../helpers/test-kernel.js';

const run = promisify(execFile);
const PASSWORD = 'sync password';
const ALICE: AccountKey = { domain: 'example.org', name: 'alice' };
const SERVER_MESSAGES = 20;
/** FerretDB 1.x takes ~0.3 s per APPEND here (whole-table scans), so its import is smaller. */
const importSize = (adapter: string): number =>
  Number(process.env.MW_IMAP_IMPORT ?? (adapter === 'mongodb' ? 100 : 1000));

const infra = useAdapterInfra('imap-clients');

function message(subject: string): string {
  return `From: sender@remote.test\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@test>\r\n\r\nbody of ${subject}\r\n`;
}

for (const adapter of ADAPTER_NAMES) {
  describe(`IMAP command-line clients on the ${adapter} storage adapter`, () => {
    let dir: string;
    let testStorage: TestStorage;
    let started: TestKernel;
    let port: number;
    const IMPORT = importSize(adapter);

    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), `mw-imap-clients-${adapter}-`));
      testStorage = await infra().storages.open(adapter);
      started = await startTestKernel(
        {
          storage: testStorage.url,
          redis: { url: infra().redis.url },
          plugins: { imap: {} },
          listen: onFreePorts('imap', 'imaps'),
        },
        dir,
      );
      port = started.port('imap');
      const directory = directorySetup(started.kernel.container);
      await directory.addDomain('example.org');
      await directory.addUser('alice@example.org', PASSWORD);
      for (let i = 1; i <= SERVER_MESSAGES; i++) {
        await appendToFolder(started.storage, ALICE, 'INBOX', Buffer.from(message(`server ${i}`)));
      }
    });

    after(async () => {
      await started.kernel.stop();
      await testStorage.cleanup();
      await rm(dir, { recursive: true, force: true });
    });

    it('curl reads a message by UID, byte for byte', async () => {
      const { stdout } = await run('curl', [
        '--silent',
        '--show-error',
        '--user',
        `alice@example.org:${PASSWORD}`,
        `imap://127.0.0.1:${port}/INBOX;UID=3`,
      ]);
      assert.equal(stdout, message('server 3'));
    });

    it('mbsync syncs both ways: down, then local flags, deletions and an import up, then new mail down', async () => {
      const local = path.join(dir, 'maildir');
      await mkdir(local, { recursive: true });
      const config = path.join(dir, 'mbsyncrc');
      await writeFile(
        config,
        [
          'IMAPAccount mailwright',
          'Host 127.0.0.1',
          `Port ${port}`,
          'User alice@example.org',
          `Pass "${PASSWORD}"`,
          'SSLType None',
          'AuthMechs LOGIN',
          '',
          'IMAPStore far',
          'Account mailwright',
          '',
          'MaildirStore near',
          `Path ${local}/`,
          `Inbox ${local}/INBOX`,
          'SubFolders Verbatim',
          '',
          'Channel sync',
          'Far :far:',
          'Near :near:',
          'Patterns *',
          'Create Both',
          'Expunge Both',
          'SyncState *',
          '',
        ].join('\n'),
      );
      const sync = (): Promise<unknown> =>
        run('mbsync', ['-c', config, '-a', ...(process.env.MW_MBSYNC_DEBUG ? ['-Dn'] : [])], {
          maxBuffer: 64 * 1024 * 1024,
        });

      await sync();
      const inbox = path.join(local, 'INBOX');
      const files = async (): Promise<string[]> => [
        ...(await readdir(path.join(inbox, 'cur'))).map((name) => path.join(inbox, 'cur', name)),
        ...(await readdir(path.join(inbox, 'new'))).map((name) => path.join(inbox, 'new', name)),
      ];
      const down = await files();
      assert.equal(down.length, SERVER_MESSAGES);
      const subjects = await Promise.all(
        down.map(async (file) => /Subject: (.*?)\r?\n/.exec(await readFile(file, 'latin1'))![1]),
      );
      assert.deepEqual(
        [...subjects].sort(),
        Array.from({ length: SERVER_MESSAGES }, (_, i) => `server ${i + 1}`).sort(),
      );
      assert.deepEqual((await readdir(local)).sort(), [
        'Archive',
        'Drafts',
        'INBOX',
        'Junk',
        'Sent',
        'Trash',
      ]);

      // Locally: flag "server 1", delete "server 2", and import IMPORT new messages.
      const byName = new Map(down.map((file, i) => [subjects[i], file]));
      const flagged = byName.get('server 1')!;
      await rename(flagged, path.join(inbox, 'cur', `${path.basename(flagged).split(':')[0]}:2,F`));
      await unlink(byName.get('server 2')!);
      for (let i = 0; i < IMPORT; i++) {
        await writeFile(path.join(inbox, 'new', `1700000000.${i}.near`), message(`import ${i}`));
      }
      const upload = (await sync()) as { stdout: string };
      if (process.env.MW_MBSYNC_DEBUG) console.log(upload.stdout);

      const messages = await started.storage.mail.listMessages(ALICE, 'INBOX');
      const bySubject = new Map(messages.map((meta) => [meta.envelope.subject, meta]));
      assert.equal(messages.length, SERVER_MESSAGES - 1 + IMPORT);
      assert.ok(bySubject.get('server 1')!.flags.includes('\\Flagged'));
      assert.equal(bySubject.get('server 2'), undefined, 'deleted locally, expunged on the server');
      assert.ok(bySubject.has(`import ${IMPORT - 1}`));

      // On the server: a new message arrives; the next sync brings it down.
      await appendToFolder(started.storage, ALICE, 'INBOX', Buffer.from(message('late arrival')));
      await sync();
      const after = await files();
      assert.equal(after.length, SERVER_MESSAGES + IMPORT);
      const late = await Promise.all(after.map((file) => readFile(file, 'latin1')));
      assert.ok(late.some((text) => /Subject: late arrival\r?\n/.test(text)));
    });
  });
}
