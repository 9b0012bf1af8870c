/**
 * Programs run by a mailproc.tab (`external`, `filter`) with senders an attacker chose, over real
 * SMTP on every storage adapter: a macro value cannot run shell code through `/bin/sh -c` nor
 * smuggle an option into a program run without a shell, the program's environment carries the
 * exact values as MAILWRIGHT_* variables and nothing of the server's, and the message is delivered
 * by the lines that follow either way.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { access, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { mailprocPath, type AccountKey } from '../../core/index.js';
import { directorySetup } from '../helpers/directory-setup.js';
import { ADAPTER_NAMES, type AdapterName, type TestStorage } from '../helpers/adapters.js';
import { useAdapterInfra } from '../helpers/adapter-infra.js';
import { startQueueTestbed, waitFor, type QueueTestbed } from '../helpers/queue-testbed.js';

const user: AccountKey = { domain: 'example.org', name: 'mproc' };
const RCPT = 'mproc@example.org';
/** Stands for what the server's environment may hold (storage URLs with passwords ...). */
const SECRET_NAME = 'MW_TEST_SERVER_SECRET';

const message = (subject: string): string =>
  `From: someone@evil.test\r\nTo: ${RCPT}\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '-')}@evil.test>\r\n\r\nbody\r\n`;

/** One mailproc.tab line: TAB-separated quoted fields, `"` and `\` escaped as XMail reads them. */
const line = (...fields: string[]): string =>
  fields.map((field) => `"${field.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join('\t');

const exists = (file: string): Promise<boolean> =>
  access(file).then(
    () => true,
    () => false,
  );

const infra = useAdapterInfra('mailproc-programs');

before(() => {
  process.env[SECRET_NAME] = 'redis://:hunter2@db.internal:6379';
});
after(() => {
  delete process.env[SECRET_NAME];
});

for (const adapter of ADAPTER_NAMES) describeMailprocPrograms(adapter);

function describeMailprocPrograms(adapter: AdapterName): void {
  describe(`mailproc programs on the ${adapter} storage adapter: hostile macro values`, () => {
    let bed: QueueTestbed;
    let testStorage: TestStorage;
    /** Where the programs write what the tests look at (and where an attack would leave its mark). */
    let out: string;

    before(async () => {
      out = await mkdtemp(path.join(tmpdir(), 'mw-mproc-out-'));
      testStorage = await infra().storages.open(adapter);
      bed = await startQueueTestbed(
        `mailproc-programs-${adapter}`,
        {},
        {
          storage: testStorage.url,
          redis: infra().redis,
        },
      );
      await directorySetup(bed.kernel.container).addUser(RCPT, 'mproc password');
    });
    after(async () => {
      await bed?.close();
      await testStorage?.cleanup();
      if (out) await rm(out, { recursive: true, force: true });
    });

    const setMailproc = (...lines: string[]): Promise<void> =>
      bed.storage.files.writeFile(mailprocPath(user, 'user'), Buffer.from(lines.join('\n') + '\n'));

    /** Sends as `from`, waits for the copy the `mailbox` line stores. */
    async function deliver(from: string, subject: string): Promise<void> {
      assert.match(await bed.send(from, [RCPT], message(subject)), /^250 /);
      await waitFor(`the stored copy of "${subject}"`, async () =>
        (await bed.storage.mail.listMessages(user, 'INBOX')).find((m) => m.envelope.subject === subject),
      );
    }

    it('does not let MAIL FROM run shell code through a `/bin/sh -c` external, and still delivers', async () => {
      const marker = path.join(out, 'PWNED');
      const log = path.join(out, 'from.log');
      const attacker = `x\`touch\${IFS}${marker}\`@evil.test`;
      await setMailproc(
        line('external', '0', '10', '/bin/sh', '-c', `echo from=@@FROM >> ${log}`),
        line('mailbox'),
      );
      await deliver(attacker, `backtick ${adapter}`);
      assert.equal(await exists(marker), false, 'the backtick command did not run');
      const logged = await readFile(log, 'utf8');
      assert.match(logged, /^from=x_touch__IFS__[\w.-]+_PWNED_@evil\.test\n$/, 'the external ran, defused');
    });

    it('does not let a sender starting with "-" pass an option to a program run without a shell', async () => {
      // GNU sort reads `-o<file>` as "write the output to <file>".
      const target = path.join(out, 'SORTED');
      await setMailproc(line('external', '0', '10', '/usr/bin/sort', '@@FROM', '@@FILE'), line('mailbox'));
      await deliver(`-o${target}@evil.test`, `dash ${adapter}`);
      assert.deepEqual(
        (await readdir(out)).filter((name) => name.startsWith('SORTED')),
        [],
        'sort wrote no output file',
      );
    });

    it('gives programs the macros as MAILWRIGHT_* variables, exact, and none of the server environment', async () => {
      const envFile = path.join(out, 'env.txt');
      const fromFile = path.join(out, 'from.txt');
      const attacker = "o'brien`id`${IFS}|{x}&*?~#!@evil.test";
      await setMailproc(
        line(
          'external',
          '0',
          '10',
          '/bin/sh',
          '-c',
          `env > ${envFile}; printf '%s' "$MAILWRIGHT_FROM" > ${fromFile}`,
        ),
        line('mailbox'),
      );
      const subject = `environment ${adapter}`;
      await deliver(attacker, subject);
      assert.equal(await readFile(fromFile, 'utf8'), attacker, 'the exact sender, quoted, runs nothing');

      const env = new Map(
        (await readFile(envFile, 'utf8'))
          .split('\n')
          .filter((entry) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(entry))
          .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
      );
      assert.equal(env.get('MAILWRIGHT_RCPT'), RCPT);
      assert.equal(env.get('MAILWRIGHT_RRCPT'), RCPT);
      assert.equal(env.get('MAILWRIGHT_USERAUTH'), '-');
      assert.match(env.get('MAILWRIGHT_MSGREF') ?? '', /environment-/);
      assert.ok(env.get('MAILWRIGHT_MSGID'), 'the queue id');
      assert.match(env.get('MAILWRIGHT_FILE') ?? '', /message\.eml$/);
      assert.equal(env.get('PATH'), '/usr/bin:/bin');
      assert.equal(env.get('LANG'), 'C');
      assert.ok(env.get('HOME') && env.get('HOME') === env.get('TMPDIR'), 'a private HOME and TMPDIR');
      assert.equal(env.has(SECRET_NAME), false, "the server's environment stays with the server");
      const shellOwn = new Set(['PWD', 'OLDPWD', 'SHLVL', '_']);
      const expected = new Set(['PATH', 'HOME', 'TMPDIR', 'LANG']);
      for (const macro of ['FROM', 'RCPT', 'RRCPT', 'MSGID', 'MSGREF', 'USERAUTH', 'FILE'])
        expected.add(`MAILWRIGHT_${macro}`);
      assert.deepEqual(
        [...env.keys()].filter((name) => !shellOwn.has(name)).sort(),
        [...expected].sort(),
        'nothing else',
      );
    });
  });
}
