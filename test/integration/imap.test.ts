/**
 * The IMAP server over real sockets on every storage adapter: exact bytes for the session flow
 * (greeting, LOGIN, SELECT, FETCH, STORE, APPEND with APPENDUID, COPY/MOVE with COPYUID, EXPUNGE),
 * the failure paths, IDLE seeing mail delivered over SMTP, and real clients (imapflow, Python's
 * imaplib) reading, flagging, moving and deleting mail that arrived over SMTP.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ImapFlow } from 'imapflow';
import { appendToFolder, type AccountKey } from '../../core/index.js';
import { useAdapterInfra } from '../helpers/adapter-infra.js';
import { ADAPTER_NAMES, type TestStorage } from '../helpers/adapters.js';
import { directorySetup } from '../helpers/directory-setup.js';
import { ImapTestClient } from '../helpers/imap-client.js';
import { WriterProcess } from '../helpers/mailbox-writer.js';
import { sendSubject } from '../helpers/smtp-client.js';
import { onFreePorts, startTestKernel, type TestKernel } from '../helpers/test-kernel.js';

const PASSWORD = 'imap password';
const ALICE: AccountKey = { domain: 'example.org', name: 'alice' };
const FIRST = 'From: Bob <bob@remote.test>\r\nSubject: first\r\n\r\nhello\r\n';
const SECOND = 'From: Carol <carol@remote.test>\r\nSubject: second\r\n\r\nworld\r\n';
const execFileAsync = promisify(execFile);

const infra = useAdapterInfra('imap');

for (const adapter of ADAPTER_NAMES) {
  describe(`IMAP on the ${adapter} storage adapter`, () => {
    let dir: string;
    let testStorage: TestStorage;
    let started: TestKernel;
    let imapPort: number;
    const open: ImapTestClient[] = [];

    /** A client logged in as alice with INBOX selected. */
    async function selectedClient(): Promise<ImapTestClient> {
      const { client } = await ImapTestClient.connect(imapPort);
      open.push(client);
      assert.match((await client.command(`LOGIN alice@example.org "${PASSWORD}"`)).at(-1)!, /^A1 OK /);
      assert.match((await client.command('SELECT INBOX')).at(-1)!, /^A2 OK \[READ-WRITE\] SELECT completed$/);
      return client;
    }

    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), `mw-imap-${adapter}-`));
      testStorage = await infra().storages.open(adapter);
      started = await startTestKernel(
        {
          storage: testStorage.url,
          redis: { url: infra().redis.url },
          plugins: {
            queue: { prefix: `imap-${adapter}` },
            smtp: { hostname: 'mx.example.org', reverseDns: false },
            imap: { trustedNetworks: ['127.0.0.1'] },
          },
          listen: onFreePorts('smtp', 'submission', 'smtps', 'imap', 'imaps'),
        },
        dir,
      );
      imapPort = started.port('imap');
      const directory = directorySetup(started.kernel.container);
      await directory.addDomain('example.org');
      await directory.addUser('alice@example.org', PASSWORD);
      await directory.addUser('bob@example.org', PASSWORD);
      await appendToFolder(started.storage, ALICE, 'INBOX', Buffer.from(FIRST));
      await appendToFolder(started.storage, ALICE, 'INBOX', Buffer.from(SECOND), { flags: ['\\Seen'] });
    });

    after(async () => {
      for (const client of open) client.close();
      await started.kernel.stop();
      await testStorage.cleanup();
      await rm(dir, { recursive: true, force: true });
    });

    it('greets, logs in and selects INBOX with its flags, counts and UID state', async () => {
      const { client, greeting } = await ImapTestClient.connect(imapPort);
      open.push(client);
      assert.equal(
        greeting,
        '* OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR ID ENABLE IDLE STARTTLS AUTH=PLAIN AUTH=LOGIN] Mailwright IMAP4rev1 ready',
      );
      const login = await client.command(`LOGIN alice@example.org "${PASSWORD}"`);
      assert.match(
        login.at(-1)!,
        /^A1 OK \[CAPABILITY IMAP4rev1 .* UIDPLUS MOVE .*APPENDLIMIT=\d+\] Logged in$/,
      );
      const select = await client.command('SELECT INBOX');
      assert.deepEqual(select.slice(0, 5), [
        '* FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft)',
        '* OK [PERMANENTFLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft \\*)] Flags permitted',
        '* 2 EXISTS',
        '* 0 RECENT',
        '* OK [UNSEEN 1] Message 1 is the first unseen',
      ]);
      assert.match(select[5], /^\* OK \[UIDVALIDITY \d+\] UIDs valid$/);
      assert.equal(select[6], '* OK [UIDNEXT 3] Predicted next UID');
      assert.equal(select[7], 'A2 OK [READ-WRITE] SELECT completed');
    });

    it('fetches flags and bodies as stored, and sets \\Seen only without PEEK', async () => {
      const client = await selectedClient();
      assert.deepEqual(await client.command('FETCH 1 (FLAGS BODY.PEEK[])'), [
        `* 1 FETCH (FLAGS () BODY[] {${FIRST.length}}`,
        'From: Bob <bob@remote.test>',
        'Subject: first',
        '',
        'hello',
        ')',
        'A3 OK FETCH completed',
      ]);
      assert.deepEqual(await client.command('UID FETCH 1 (BODY[TEXT])'), [
        '* 1 FETCH (UID 1 BODY[TEXT] {7}',
        'hello',
        ' FLAGS (\\Seen))',
        'A4 OK UID FETCH completed',
      ]);
      assert.deepEqual(await client.command('STORE 1 -FLAGS (\\Seen)'), [
        '* 1 FETCH (FLAGS ())',
        'A5 OK STORE completed',
      ]);
      assert.deepEqual(await client.command('FETCH 1:* (UID RFC822.SIZE)'), [
        `* 1 FETCH (UID 1 RFC822.SIZE ${FIRST.length})`,
        `* 2 FETCH (UID 2 RFC822.SIZE ${SECOND.length})`,
        'A6 OK FETCH completed',
      ]);
      assert.deepEqual(
        await client.command('FETCH 1 (ENVELOPE BODYSTRUCTURE BODY.PEEK[HEADER.FIELDS (SUBJECT)])'),
        [
          '* 1 FETCH (ENVELOPE (NIL "first" (("Bob" NIL "bob" "remote.test")) (("Bob" NIL "bob" "remote.test")) ' +
            '(("Bob" NIL "bob" "remote.test")) NIL NIL NIL NIL NIL) ' +
            'BODYSTRUCTURE ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 7 1 NIL NIL NIL NIL) ' +
            'BODY[HEADER.FIELDS (SUBJECT)] {18}',
          'Subject: first',
          '',
          ')',
          'A7 OK FETCH completed',
        ],
      );
    });

    it('appends with a synchronizing literal and answers APPENDUID; COPY and MOVE answer COPYUID', async () => {
      const client = await selectedClient();
      const message = 'Subject: appended\r\n\r\nnew\r\n';
      const tag = client.nextTag();
      client.send(`${tag} APPEND INBOX (\\Flagged) {${message.length}}`);
      assert.equal(await client.line(), '+ Ready for literal data');
      client.write(`${message}\r\n`);
      const appended = await client.until(tag);
      assert.equal(appended[0], '* 3 EXISTS');
      assert.match(appended[1], /^A3 OK \[APPENDUID \d+ 3\] APPEND completed$/);

      const copied = await client.command('UID COPY 3 Archive');
      assert.match(copied.at(-1)!, /^A4 OK \[COPYUID \d+ 3 1\] UID COPY completed$/);
      const moved = await client.command('MOVE 3 Trash');
      assert.match(moved[0], /^\* OK \[COPYUID \d+ 3 1\] Moved$/);
      assert.deepEqual(moved.slice(1), ['* 3 EXPUNGE', 'A5 OK MOVE completed']);
      assert.deepEqual(await client.command('APPEND Nowhere {1+}\r\nx'), [
        'A6 NO [TRYCREATE] Mailbox does not exist',
      ]);
    });

    it('expunges \\Deleted messages with EXPUNGE responses, and another session learns of it', async () => {
      const client = await selectedClient();
      const other = await selectedClient();
      const message = 'Subject: doomed\r\n\r\nbye\r\n';
      const appended = await client.command(`APPEND INBOX (\\Deleted) {${message.length}+}\r\n${message}`);
      assert.match(appended.at(-1)!, /^A3 OK \[APPENDUID \d+ (\d+)\] APPEND completed$/);
      // The other session learns of each change at its next command.
      assert.deepEqual(await other.command('NOOP'), ['* 3 EXISTS', 'A3 OK NOOP completed']);
      assert.deepEqual(await client.command('EXPUNGE'), ['* 3 EXPUNGE', 'A4 OK EXPUNGE completed']);
      assert.deepEqual(await other.command('NOOP'), ['* 3 EXPUNGE', 'A4 OK NOOP completed']);
    });

    it('answers bad input with a tagged BAD or NO and goes on', async () => {
      const { client } = await ImapTestClient.connect(imapPort);
      open.push(client);
      assert.deepEqual(await client.command('FETCH 1 FLAGS'), [
        'A1 BAD FETCH is not allowed in the not-authenticated state',
      ]);
      assert.deepEqual(await client.command('FROB'), ['A2 BAD Unknown command "FROB"']);
      assert.deepEqual(await client.command('LOGIN alice@example.org wrong'), [
        'A3 NO [AUTHENTICATIONFAILED] Invalid user name or password',
      ]);
      assert.match((await client.command(`LOGIN alice@example.org "${PASSWORD}"`)).at(-1)!, /^A4 OK /);
      assert.deepEqual(await client.command('SELECT Nosuch'), ['A5 NO [NONEXISTENT] Mailbox does not exist']);
      assert.deepEqual(
        await client.command('SELECT INBOX').then((lines) => lines.at(-1)),
        'A6 OK [READ-WRITE] SELECT completed',
      );
      assert.deepEqual(await client.command('FETCH 99 FLAGS'), [
        'A7 BAD Invalid message number 99 (2 messages)',
      ]);
      assert.deepEqual(await client.command('LOGOUT'), ['* BYE Logging out', 'A8 OK LOGOUT completed']);
      await client.lines.ended;
    });

    it('pushes mail delivered over SMTP to a session in IDLE', async () => {
      const client = await selectedClient();
      const tag = client.nextTag();
      client.send(`${tag} IDLE`);
      assert.equal(await client.line(), '+ idling');
      const reply = await sendSubject(started.port('smtp'), ['alice@example.org'], 'pushed');
      assert.match(reply, /^250 /);
      assert.match(await client.line(), /^\* \d+ EXISTS$/);
      client.send('DONE');
      assert.deepEqual(await client.until(tag), [`${tag} OK IDLE terminated`]);
    });

    it('pushes changes made by another process to a session in IDLE within a second', async () => {
      const client = await selectedClient();
      const writer = await WriterProcess.start(testStorage.url, infra().redis.url, dir);
      try {
        const tag = client.nextTag();
        client.send(`${tag} IDLE`);
        assert.equal(await client.line(), '+ idling');
        const appended = await writer.send<{ uid: number }>({
          op: 'append',
          account: ALICE,
          folder: 'INBOX',
          body: 'Subject: from another process\r\n\r\nhi\r\n',
        });
        const exists = await client.line();
        assert.ok(Date.now() - appended.committedAt < 1000, 'EXISTS within a second of the commit');
        const count = Number(/^\* (\d+) EXISTS$/.exec(exists)?.[1]);
        assert.ok(count > 0, exists);
        await writer.send({
          op: 'flags',
          account: ALICE,
          folder: 'INBOX',
          uids: [appended.uid],
          flags: ['\\Deleted'],
        });
        assert.equal(await client.line(), `* ${count} FETCH (UID ${appended.uid} FLAGS (\\Deleted))`);
        await writer.send({ op: 'expunge', account: ALICE, folder: 'INBOX' });
        assert.equal(await client.line(), `* ${count} EXPUNGE`);
        client.send('DONE');
        assert.deepEqual(await client.until(tag), [`${tag} OK IDLE terminated`]);
      } finally {
        await writer.stop();
      }
    });

    it('enforces its limits with a tagged answer and keeps the session', async () => {
      const client = await selectedClient();
      assert.deepEqual(await client.command(`NOOP ${'x'.repeat(9000)}`), [
        'A3 BAD Line longer than 8192 bytes',
      ]);
      const tag = client.nextTag();
      client.send(`${tag} APPEND INBOX {60000000}`);
      assert.deepEqual(await client.until(tag), [
        `${tag} NO [TOOBIG] Message of 60000000 bytes is larger than the limit of 52428800`,
      ]);
      assert.deepEqual(await client.command('NOOP'), ['A5 OK NOOP completed']);
    });

    it('offers LOGINDISABLED to an untrusted client before STARTTLS and takes the login after it', async () => {
      const { client, greeting } = await ImapTestClient.connect(started.port('imap'), {
        localAddress: '127.0.0.2',
      });
      open.push(client);
      assert.match(greeting, /STARTTLS LOGINDISABLED\] /);
      assert.deepEqual(await client.command(`LOGIN alice@example.org "${PASSWORD}"`), [
        'A1 NO [PRIVACYREQUIRED] Plain-text passwords are refused before STARTTLS',
      ]);
      assert.deepEqual(await client.command('STARTTLS'), ['A2 OK Begin TLS negotiation now']);
      const secure = await client.startTls();
      open.push(secure);
      const capability = await secure.command('CAPABILITY');
      assert.match(capability[0], /^\* CAPABILITY IMAP4rev1 .*AUTH=PLAIN AUTH=LOGIN$/);
      assert.doesNotMatch(capability[0], /STARTTLS|LOGINDISABLED/);
      assert.match(
        (
          await secure.command(
            `AUTHENTICATE PLAIN ${Buffer.from(`\0alice@example.org\0${PASSWORD}`).toString('base64')}`,
          )
        ).at(-1)!,
        /^A4 OK \[CAPABILITY /,
      );
    });

    it('serves imapflow: reads, flags, moves and deletes mail that arrived over SMTP', async () => {
      assert.match(await sendSubject(started.port('smtp'), ['bob@example.org'], 'for imapflow'), /^250 /);
      const flow = new ImapFlow({
        host: '127.0.0.1',
        port: imapPort,
        secure: false,
        auth: { user: 'bob@example.org', pass: PASSWORD },
        logger: false,
        tls: { rejectUnauthorized: false },
      });
      await flow.connect();
      try {
        const folders = (await flow.list()).map(
          (folder) => `${folder.path}${folder.specialUse ? ` ${folder.specialUse}` : ''}`,
        );
        assert.deepEqual(folders.sort(), [
          'Archive \\Archive',
          'Drafts \\Drafts',
          'INBOX \\Inbox',
          'Junk \\Junk',
          'Sent \\Sent',
          'Trash \\Trash',
        ]);
        const lock = await flow.getMailboxLock('INBOX');
        try {
          const [message] = await collect(flow.fetch('1:*', { uid: true, source: true, flags: true }));
          assert.match(message.source!.toString(), /Subject: for imapflow\r\n/);
          await flow.messageFlagsAdd({ uid: String(message.uid) }, ['\\Flagged'], { uid: true });
          await flow.messageMove(String(message.uid), 'Archive', { uid: true });
          assert.equal((flow.mailbox as { exists: number }).exists, 0);
        } finally {
          lock.release();
        }
        const archive = await flow.getMailboxLock('Archive');
        try {
          const [moved] = await collect(flow.fetch('1:*', { uid: true, flags: true }));
          assert.deepEqual([...moved.flags!].sort(), ['\\Flagged']);
          await flow.messageDelete(String(moved.uid), { uid: true });
          assert.equal((flow.mailbox as { exists: number }).exists, 0);
        } finally {
          archive.release();
        }
      } finally {
        await flow.logout();
      }
    });

    it("serves Python's imaplib", async () => {
      const script = [
        'import imaplib, sys',
        'm = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))',
        `m.login("alice@example.org", "${PASSWORD}")`,
        'typ, data = m.select("INBOX")',
        'print(typ, data[0].decode())',
        'typ, data = m.fetch("2", "(RFC822)")',
        'print(typ, data[0][1].decode().splitlines()[1])',
        'typ, data = m.store("2", "+FLAGS", "(\\\\Answered)")',
        'print(typ, data[0].decode())',
        'm.logout()',
      ].join('\n');
      const { stdout } = await execFileAsync('python3', ['-c', script, String(imapPort)]);
      const lines = stdout.trim().split('\n');
      assert.match(lines[0], /^OK \d+$/);
      assert.equal(lines[1], 'OK Subject: second');
      assert.equal(lines[2], 'OK 2 (FLAGS (\\Seen \\Answered))');
    });
  });
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
