/**
 * IMAP mailbox management over real sockets, on every storage adapter: CREATE (with
 * CREATE-SPECIAL-USE), DELETE, RENAME (INBOX included), SUBSCRIBE/UNSUBSCRIBE, STATUS, and LIST
 * with LIST-EXTENDED and LIST-STATUS, answered byte for byte on their success and failure paths;
 * then the same commands through imapflow and Python's imaplib.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ImapFlow } from 'imapflow';
import {
  appendToFolder,
  type AccountKey,
  type Kernel,
  type MailStore,
  type Storage,
} from '../../core/index.js';
import { moveInboxMessages } from '../../plugins/imap/mailbox/inbox-move.js';
import { directorySetup, type DirectorySetup } from '../helpers/directory-setup.js';
import { afterFirstLine, afterTagged, connectRaw, SocketBuffer } from '../helpers/socket-buffer.js';
import { useAdapterInfra } from '../helpers/adapter-infra.js';
import { ADAPTER_NAMES, type TestStorage } from '../helpers/adapters.js';
import { onFreePorts, startTestKernel } from '../helpers/test-kernel.js';

const run = promisify(execFile);
const PASSWORD = 'imap secret';
const DOMAIN = 'example.org';
const APPEND_LIMIT = 12_345_678;

function body(subject: string): Buffer {
  return Buffer.from(`From: a@remote.test\r\nSubject: ${subject}\r\n\r\nHello ${subject}\r\n`);
}

/** A hand-driven IMAP connection: one command out, the exact bytes up to its tagged line back. */
class RawImap {
  private readonly received: SocketBuffer;

  private constructor(readonly socket: net.Socket) {
    this.received = new SocketBuffer(socket);
  }

  static async connect(port: number, user?: string): Promise<RawImap> {
    const client = new RawImap(await connectRaw(port));
    await client.received.take(afterFirstLine); // greeting
    if (user) {
      const answer = await client.run(`L1 LOGIN ${user}@${DOMAIN} "${PASSWORD}"`);
      assert.match(answer, /^L1 OK /m);
    }
    return client;
  }

  /** Sends `line` (its first word is the tag) and resolves everything up to the tagged response. */
  async run(line: string): Promise<string> {
    const tag = line.split(' ')[0];
    this.socket.write(`${line}\r\n`);
    return (await this.received.take((buffered) => afterTagged(buffered, tag))).toString('latin1');
  }

  /** What the server sent before closing the connection. */
  async rest(): Promise<string> {
    return (await this.received.rest()).toString('latin1');
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Lines joined with CRLF, and a final CRLF. */
function lines(...items: string[]): string {
  return items.map((item) => `${item}\r\n`).join('');
}

const DEFAULT_FOLDERS = [
  '* LIST (\\HasNoChildren \\Archive) "/" "Archive"',
  '* LIST (\\HasNoChildren \\Drafts) "/" "Drafts"',
  '* LIST (\\HasNoChildren) "/" "INBOX"',
  '* LIST (\\HasNoChildren \\Junk) "/" "Junk"',
  '* LIST (\\HasNoChildren \\Sent) "/" "Sent"',
  '* LIST (\\HasNoChildren \\Trash) "/" "Trash"',
];

const infra = useAdapterInfra('imap-mailboxes');

for (const adapter of ADAPTER_NAMES) {
  describe(`IMAP mailbox commands on the ${adapter} storage adapter`, () => {
    let dir: string;
    let testStorage: TestStorage | undefined;
    let kernel: Kernel;
    let storage: Storage;
    let directory: DirectorySetup;
    let port: number;
    const clients: RawImap[] = [];

    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'mw-imap-mailboxes-'));
      testStorage = await infra().storages.open(adapter);
      const started = await startTestKernel(
        {
          storage: testStorage.url,
          redis: { url: infra().redis.url },
          plugins: { imap: { plaintextAuth: 'anywhere', maxAppendBytes: APPEND_LIMIT } },
          listen: onFreePorts('imap', 'imaps'),
        },
        dir,
      );
      kernel = started.kernel;
      storage = started.storage;
      port = started.port('imap');
      directory = directorySetup(kernel.container);
      await directory.addDomain(DOMAIN);
    });

    after(async () => {
      for (const client of clients) client.close();
      await kernel?.stop();
      await testStorage?.cleanup();
      await rm(dir, { recursive: true, force: true });
    });

    /**
     * A new user with the default folders, none subscribed: the adapters disagree on whether a new
     * folder starts subscribed (MongoDB says yes), which is the store's business, not IMAP's.
     */
    async function newUser(name: string): Promise<AccountKey> {
      await directory.addUser(`${name}@${DOMAIN}`, PASSWORD);
      const account = { domain: DOMAIN, name };
      for (const folder of await storage.mail.listFolders(account)) {
        if (folder.subscribed) await storage.mail.setSubscribed(account, folder.path, false);
      }
      return account;
    }

    async function connect(user: string): Promise<RawImap> {
      const client = await RawImap.connect(port, user);
      clients.push(client);
      return client;
    }

    it('advertises the mailbox extensions once logged in', async () => {
      await newUser('caps');
      const c = await connect('caps');
      const answer = await c.run('c1 CAPABILITY');
      const names = answer.split('\r\n')[0].split(' ');
      for (const name of ['CHILDREN', 'SPECIAL-USE', 'CREATE-SPECIAL-USE', 'LIST-EXTENDED', 'LIST-STATUS']) {
        assert.ok(names.includes(name), `${name} in ${answer}`);
      }
      assert.ok(names.includes('STATUS=SIZE'));
    });

    it('CREATE makes missing levels, refuses existing names, and takes a special use', async () => {
      const account = await newUser('create');
      const c = await connect('create');
      assert.equal(await c.run('a1 CREATE a/b/c'), 'a1 OK CREATE completed\r\n');
      assert.equal(
        await c.run('a2 LIST "" a*'),
        lines(
          '* LIST (\\HasChildren) "/" "a"',
          '* LIST (\\HasChildren) "/" "a/b"',
          '* LIST (\\HasNoChildren) "/" "a/b/c"',
          'a2 OK LIST completed',
        ),
      );
      const exists = (tag: string): string => `${tag} NO [ALREADYEXISTS] Mailbox already exists\r\n`;
      assert.equal(await c.run('a3 CREATE a/'), exists('a3'));
      assert.equal(await c.run('a4 CREATE INBOX'), exists('a4'));
      assert.equal(await c.run('a5 CREATE inbox'), exists('a5'));
      assert.equal(await c.run('a6 CREATE INBOX/'), exists('a6'));
      assert.equal(await c.run('a7 CREATE trail/'), 'a7 OK CREATE completed\r\n');
      assert.equal(
        await c.run('a8 CREATE "x%y"'),
        'a8 NO [CANNOT] Mailbox names may not contain "%" or "*"\r\n',
      );
      assert.equal(
        await c.run('a9 CREATE "a//b"'),
        'a9 NO [CANNOT] Invalid mailbox name: invalid folder "a//b": it has an empty, "." or ".." component\r\n',
      );
      assert.equal(await c.run('a10 CREATE Outbox (USE (\\Sent))'), 'a10 OK CREATE completed\r\n');
      assert.equal(await c.run('a11 create Later (use (\\trash))'), 'a11 OK CREATE completed\r\n');
      const unsupported = (tag: string, use: string): string =>
        `${tag} NO [USEATTR] Special use ${use} is not supported; use one of \\Archive \\Drafts \\Junk \\Sent \\Trash\r\n`;
      assert.equal(await c.run('a12 CREATE Bad1 (USE (\\Foo))'), unsupported('a12', '\\Foo'));
      assert.equal(await c.run('a13 CREATE Bad2 (USE (\\All))'), unsupported('a13', '\\All'));
      assert.equal(
        await c.run('a14 CREATE Bad3 (USE (\\Archive \\Junk))'),
        'a14 NO [USEATTR] A mailbox can have only one special use here\r\n',
      );
      assert.equal(await c.run('a15 CREATE Bad4 (FOO)'), 'a15 BAD Unknown CREATE parameter FOO\r\n');
      assert.equal(
        await c.run('a16 CREATE Bad5 (USE \\Sent)'),
        'a16 BAD Expected a list of special uses after USE\r\n',
      );
      assert.equal(await c.run('a17 CREATE Plain (USE ())'), 'a17 OK CREATE completed\r\n');
      assert.equal(await c.run('a18 CREATE &AOk-t&AOk-'), 'a18 OK CREATE completed\r\n');
      assert.equal(await c.run('a19 CREATE'), 'a19 BAD Missing arguments for CREATE\r\n');
      assert.equal(
        await c.run('a20 LIST "" *'),
        lines(
          '* LIST (\\HasNoChildren \\Archive) "/" "Archive"',
          '* LIST (\\HasNoChildren \\Drafts) "/" "Drafts"',
          '* LIST (\\HasNoChildren) "/" "INBOX"',
          '* LIST (\\HasNoChildren \\Junk) "/" "Junk"',
          '* LIST (\\HasNoChildren \\Trash) "/" "Later"',
          '* LIST (\\HasNoChildren \\Sent) "/" "Outbox"',
          '* LIST (\\HasNoChildren) "/" "Plain"',
          '* LIST (\\HasNoChildren \\Sent) "/" "Sent"',
          '* LIST (\\HasNoChildren \\Trash) "/" "Trash"',
          '* LIST (\\HasChildren) "/" "a"',
          '* LIST (\\HasChildren) "/" "a/b"',
          '* LIST (\\HasNoChildren) "/" "a/b/c"',
          '* LIST (\\HasNoChildren) "/" "trail"',
          '* LIST (\\HasNoChildren) "/" "&AOk-t&AOk-"',
          'a20 OK LIST completed',
        ),
      );
      assert.equal((await storage.mail.getFolder(account, 'été'))?.path, 'été');
      for (const name of ['a', 'a/b', 'a/b/c', 'Outbox', 'Plain']) {
        assert.equal(
          (await storage.mail.getFolder(account, name))?.subscribed,
          false,
          `${name} unsubscribed`,
        );
      }
    });

    it('DELETE removes a folder, keeps the name of one with children, and ends a selection of it', async () => {
      const account = await newUser('delete');
      const c = await connect('delete');
      assert.equal(await c.run('d1 DELETE INBOX'), "d1 NO INBOX can't be deleted\r\n");
      assert.equal(await c.run('d2 DELETE nothere'), 'd2 NO [NONEXISTENT] Mailbox does not exist\r\n');
      assert.equal(await c.run('d3 CREATE p/q/r'), 'd3 OK CREATE completed\r\n');
      await appendToFolder(storage, account, 'p/q', body('in p/q'));
      assert.equal(await c.run('d4 DELETE p/q'), 'd4 OK DELETE completed\r\n');
      assert.equal(
        await c.run('d5 LIST "" p*'),
        lines(
          '* LIST (\\HasChildren) "/" "p"',
          '* LIST (\\Noselect \\HasChildren) "/" "p/q"',
          '* LIST (\\HasNoChildren) "/" "p/q/r"',
          'd5 OK LIST completed',
        ),
      );
      assert.equal(await c.run('d6 DELETE p/q'), 'd6 NO Mailbox has children, delete them first\r\n');
      assert.equal(await c.run('d7 STATUS p/q (MESSAGES)'), 'd7 NO [NONEXISTENT] Mailbox does not exist\r\n');
      assert.equal(await c.run('d8 DELETE p/q/r'), 'd8 OK DELETE completed\r\n');
      assert.equal(
        await c.run('d9 LIST "" p*'),
        lines('* LIST (\\HasNoChildren) "/" "p"', 'd9 OK LIST completed'),
      );

      // Another session has the folder selected: it learns at its next command.
      assert.equal(await c.run('d10 CREATE elsewhere'), 'd10 OK CREATE completed\r\n');
      const other = await connect('delete');
      assert.match(await other.run('o1 SELECT elsewhere'), /o1 OK \[READ-WRITE\] SELECT completed\r\n$/);
      assert.equal(await c.run('d11 DELETE elsewhere'), 'd11 OK DELETE completed\r\n');
      other.socket.write('o2 NOOP\r\n');
      assert.equal(await other.rest(), '* BYE The selected mailbox was deleted or renamed elsewhere\r\n');

      // Its own selected folder: the tagged OK, then BYE, as Dovecot does.
      assert.match(await c.run('d12 SELECT p'), /d12 OK \[READ-WRITE\] SELECT completed\r\n$/);
      c.socket.write('d13 DELETE p\r\n');
      assert.equal(
        await c.rest(),
        lines('d13 OK DELETE completed', '* BYE Selected mailbox was deleted, have to disconnect.'),
      );
      assert.equal(await storage.mail.getFolder(account, 'p'), null);
    });

    it('RENAME moves the hierarchy, keeps UIDVALIDITY and subscriptions, and refuses clashes', async () => {
      const account = await newUser('rename');
      const c = await connect('rename');
      assert.equal(await c.run('r1 CREATE r1/k'), 'r1 OK CREATE completed\r\n');
      assert.equal(await c.run('r2 SUBSCRIBE r1/k'), 'r2 OK SUBSCRIBE completed\r\n');
      await appendToFolder(storage, account, 'r1/k', body('kept'));
      const before = await storage.mail.getFolder(account, 'r1/k');
      assert.equal(await c.run('r3 RENAME r1 r2'), 'r3 OK RENAME completed\r\n');
      assert.equal(
        await c.run('r4 LIST "" r*'),
        lines(
          '* LIST (\\HasChildren) "/" "r2"',
          '* LIST (\\HasNoChildren) "/" "r2/k"',
          'r4 OK LIST completed',
        ),
      );
      const after = await storage.mail.getFolder(account, 'r2/k');
      assert.deepEqual(
        [after?.uidValidity, after?.uidNext, after?.messages, after?.subscribed],
        [before?.uidValidity, before?.uidNext, 1, true],
      );
      assert.equal(await c.run('r5 RENAME r2 r2/sub'), "r5 NO Can't rename mailbox under its own child\r\n");
      const exists = (tag: string): string => `${tag} NO [ALREADYEXISTS] Target mailbox already exists\r\n`;
      assert.equal(await c.run('r6 RENAME r2 Sent'), exists('r6'));
      assert.equal(await c.run('r7 RENAME r2 inbox'), exists('r7'));
      assert.equal(await c.run('r8 RENAME nothere x'), 'r8 NO [NONEXISTENT] Mailbox does not exist\r\n');
      assert.equal(
        await c.run('r9 RENAME r2 "x*"'),
        'r9 NO [CANNOT] Mailbox names may not contain "%" or "*"\r\n',
      );
      assert.equal(await c.run('r10 RENAME r2 n1/n2/r3'), 'r10 OK RENAME completed\r\n');
      assert.equal(
        await c.run('r11 LIST "" n*'),
        lines(
          '* LIST (\\HasChildren) "/" "n1"',
          '* LIST (\\HasChildren) "/" "n1/n2"',
          '* LIST (\\HasChildren) "/" "n1/n2/r3"',
          '* LIST (\\HasNoChildren) "/" "n1/n2/r3/k"',
          'r11 OK LIST completed',
        ),
      );
      // A subfolder's new name is taken although the new name itself is free: nothing moves.
      assert.equal(await c.run('r12 CREATE u1/k'), 'r12 OK CREATE completed\r\n');
      assert.equal(await c.run('r13 CREATE u2/k'), 'r13 OK CREATE completed\r\n');
      assert.equal(await c.run('r14 DELETE u2'), 'r14 OK DELETE completed\r\n');
      assert.equal(await c.run('r15 RENAME u1 u2'), exists('r15'));
      assert.equal(
        await c.run('r16 LIST "" u*'),
        lines(
          '* LIST (\\HasChildren) "/" "u1"',
          '* LIST (\\HasNoChildren) "/" "u1/k"',
          '* LIST (\\Noselect \\HasChildren) "/" "u2"',
          '* LIST (\\HasNoChildren) "/" "u2/k"',
          'r16 OK LIST completed',
        ),
      );
      assert.equal(await c.run('r17 RENAME u2 u3'), 'r17 NO [NONEXISTENT] Mailbox does not exist\r\n');

      // The selected folder: the tagged OK, then BYE.
      assert.match(await c.run('r18 SELECT n1/n2/r3/k'), /r18 OK \[READ-WRITE\] SELECT completed\r\n$/);
      c.socket.write('r19 RENAME n1 m1\r\n');
      assert.equal(
        await c.rest(),
        lines('r19 OK RENAME completed', '* BYE Selected mailbox was renamed, have to disconnect.'),
      );
      assert.equal((await storage.mail.getFolder(account, 'm1/n2/r3/k'))?.messages, 1);
    });

    it('RENAME INBOX moves its messages to the new folder and leaves INBOX empty', async () => {
      const account = await newUser('inbox');
      for (const [index, flags] of [[], ['\\Seen'], ['\\Flagged']].entries()) {
        await appendToFolder(storage, account, 'INBOX', body(`inbox ${index}`), { flags });
      }
      const inboxBefore = await storage.mail.getFolder(account, 'INBOX');
      const c = await connect('inbox');
      assert.equal(await c.run('i1 CREATE INBOX/kid'), 'i1 OK CREATE completed\r\n');
      assert.match(
        await c.run('i2 SELECT INBOX'),
        /\* 3 EXISTS\r\n[^]*i2 OK \[READ-WRITE\] SELECT completed\r\n$/,
      );
      assert.equal(
        await c.run('i3 RENAME INBOX Sent'),
        'i3 NO [ALREADYEXISTS] Target mailbox already exists\r\n',
      );
      // The selected INBOX loses its messages: EXPUNGE responses before the completion.
      assert.equal(
        await c.run('i4 RENAME INBOX Old/inbox'),
        lines('* 3 EXPUNGE', '* 2 EXPUNGE', '* 1 EXPUNGE', 'i4 OK RENAME completed'),
      );
      assert.equal(
        await c.run('i5 STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY)'),
        lines(
          `* STATUS "INBOX" (MESSAGES 0 UIDNEXT 4 UIDVALIDITY ${inboxBefore?.uidValidity})`,
          'i5 OK STATUS completed',
        ),
      );
      assert.equal(
        await c.run('i6 STATUS Old/inbox (MESSAGES UNSEEN)'),
        lines('* STATUS "Old/inbox" (MESSAGES 3 UNSEEN 2)', 'i6 OK STATUS completed'),
      );
      const moved = await storage.mail.listMessages(account, 'Old/inbox');
      assert.deepEqual(
        moved.map((message) => message.flags),
        [[], ['\\Seen'], ['\\Flagged']],
      );
      assert.equal(
        await c.run('i7 LIST "" *'),
        lines(
          '* LIST (\\HasNoChildren \\Archive) "/" "Archive"',
          '* LIST (\\HasNoChildren \\Drafts) "/" "Drafts"',
          '* LIST (\\HasChildren) "/" "INBOX"',
          '* LIST (\\HasNoChildren) "/" "INBOX/kid"',
          '* LIST (\\HasNoChildren \\Junk) "/" "Junk"',
          '* LIST (\\HasChildren) "/" "Old"',
          '* LIST (\\HasNoChildren) "/" "Old/inbox"',
          '* LIST (\\HasNoChildren \\Sent) "/" "Sent"',
          '* LIST (\\HasNoChildren \\Trash) "/" "Trash"',
          'i7 OK LIST completed',
        ),
      );
      // Still selected, still usable.
      assert.equal(await c.run('i8 NOOP'), 'i8 OK NOOP completed\r\n');
    });

    it('an INBOX move that stops half-way leaves duplicates, never a lost message', async () => {
      const account = await newUser('crash');
      const bodies = [0, 1, 2, 3, 4].map((index) => body(`crash ${index}`));
      for (const message of bodies) await appendToFolder(storage, account, 'INBOX', message);
      await storage.mail.createFolder(account, 'Moved');
      let flagCalls = 0;
      const crashing = new Proxy(storage.mail, {
        get(target, name, receiver) {
          if (name === 'updateFlags') {
            return (...args: Parameters<MailStore['updateFlags']>) => {
              if (++flagCalls === 2) return Promise.reject(new Error('crash between copy and expunge'));
              return target.updateFlags(...args);
            };
          }
          const value: unknown = Reflect.get(target, name, receiver);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      const subjects = async (folder: string): Promise<string[]> =>
        (await storage.mail.listMessages(account, folder)).map((message) => message.envelope.subject ?? '');
      await assert.rejects(
        moveInboxMessages(crashing, account, 'Moved', 2),
        /crash between copy and expunge/,
      );
      assert.deepEqual(await subjects('INBOX'), ['crash 2', 'crash 3', 'crash 4']);
      assert.deepEqual(await subjects('Moved'), ['crash 0', 'crash 1', 'crash 2', 'crash 3']);
      // Run again (the client retries the RENAME's work): everything ends up moved, 2 and 3 twice.
      assert.equal(await moveInboxMessages(storage.mail, account, 'Moved', 2), 3);
      assert.deepEqual(await subjects('INBOX'), []);
      assert.deepEqual(await subjects('Moved'), [
        'crash 0',
        'crash 1',
        'crash 2',
        'crash 3',
        'crash 2',
        'crash 3',
        'crash 4',
      ]);
      // Every copy still has its body.
      for (const message of await storage.mail.listMessages(account, 'Moved')) {
        assert.ok(await storage.blobs.statBlob(message.blobId), `body of ${message.uid}`);
      }
    });

    it('SUBSCRIBE and UNSUBSCRIBE mark folders; LSUB and LIST (SUBSCRIBED) show them', async () => {
      await newUser('subs');
      const c = await connect('subs');
      assert.equal(await c.run('s1 SUBSCRIBE nothere'), 's1 NO [NONEXISTENT] Mailbox does not exist\r\n');
      assert.equal(await c.run('s2 UNSUBSCRIBE nothere'), 's2 OK UNSUBSCRIBE completed\r\n');
      assert.equal(await c.run('s3 CREATE s/t'), 's3 OK CREATE completed\r\n');
      assert.equal(await c.run('s4 SUBSCRIBE s/t'), 's4 OK SUBSCRIBE completed\r\n');
      assert.equal(await c.run('s5 SUBSCRIBE s/t'), 's5 OK SUBSCRIBE completed\r\n');
      assert.equal(await c.run('s6 SUBSCRIBE Junk'), 's6 OK SUBSCRIBE completed\r\n');
      assert.equal(
        await c.run('s7 LSUB "" *'),
        lines(
          '* LSUB (\\HasNoChildren \\Junk) "/" "Junk"',
          '* LSUB (\\Noselect \\HasChildren) "/" "s"',
          '* LSUB (\\HasNoChildren) "/" "s/t"',
          's7 OK LSUB completed',
        ),
      );
      assert.equal(
        await c.run('s8 LIST (SUBSCRIBED) "" *'),
        lines('* LIST (\\Subscribed) "/" "Junk"', '* LIST (\\Subscribed) "/" "s/t"', 's8 OK LIST completed'),
      );
      assert.equal(await c.run('s9 UNSUBSCRIBE Junk'), 's9 OK UNSUBSCRIBE completed\r\n');
      assert.equal(await c.run('s10 UNSUBSCRIBE Junk'), 's10 OK UNSUBSCRIBE completed\r\n');
      assert.equal(
        await c.run('s11 LSUB "" %'),
        lines('* LSUB (\\Noselect \\HasChildren) "/" "s"', 's11 OK LSUB completed'),
      );
      assert.equal(await c.run('s12 DELETE s/t'), 's12 OK DELETE completed\r\n');
      assert.equal(await c.run('s13 LSUB "" *'), 's13 OK LSUB completed\r\n');
      assert.equal(await c.run('s14 SUBSCRIBE'), 's14 BAD Missing arguments for SUBSCRIBE\r\n');
    });

    it('STATUS answers the counts of any folder, the selected one included', async () => {
      const account = await newUser('status');
      const c = await connect('status');
      assert.equal(await c.run('t1 CREATE st'), 't1 OK CREATE completed\r\n');
      const first = await appendToFolder(storage, account, 'st', body('one'));
      const second = await appendToFolder(storage, account, 'st', body('two'), { flags: ['\\Seen'] });
      const folder = await storage.mail.getFolder(account, 'st');
      const size = first.size + second.size;
      assert.equal(
        await c.run('t2 STATUS st (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN SIZE)'),
        lines(
          `* STATUS "st" (MESSAGES 2 RECENT 0 UIDNEXT ${second.uid + 1} UIDVALIDITY ${folder?.uidValidity} UNSEEN 1 SIZE ${size})`,
          't2 OK STATUS completed',
        ),
      );
      assert.equal(
        await c.run('t3 STATUS "st" (size messages MESSAGES)'),
        lines(`* STATUS "st" (SIZE ${size} MESSAGES 2)`, 't3 OK STATUS completed'),
      );
      assert.equal(
        await c.run('t4 STATUS st (APPENDLIMIT)'),
        lines(`* STATUS "st" (APPENDLIMIT ${APPEND_LIMIT})`, 't4 OK STATUS completed'),
      );
      assert.equal(await c.run('t5 STATUS st ()'), 't5 BAD Empty status list\r\n');
      assert.equal(await c.run('t6 STATUS st (FOO)'), 't6 BAD Invalid status item "FOO"\r\n');
      assert.equal(
        await c.run('t7 STATUS st (HIGHESTMODSEQ)'),
        't7 BAD Invalid status item "HIGHESTMODSEQ"\r\n',
      );
      assert.equal(
        await c.run('t8 STATUS st MESSAGES'),
        't8 BAD Expected a status item list, got "MESSAGES"\r\n',
      );
      assert.equal(
        await c.run('t9 STATUS nothere (MESSAGES)'),
        't9 NO [NONEXISTENT] Mailbox does not exist\r\n',
      );
      assert.equal(
        await c.run('t10 STATUS inbox (MESSAGES)'),
        lines('* STATUS "inbox" (MESSAGES 0)', 't10 OK STATUS completed'),
      );
      assert.match(await c.run('t11 SELECT st'), /t11 OK \[READ-WRITE\] SELECT completed\r\n$/);
      await appendToFolder(storage, account, 'st', body('three'));
      // The new message is announced (EXISTS) after the STATUS, before the completion.
      assert.equal(
        await c.run('t12 STATUS st (MESSAGES UNSEEN)'),
        lines('* STATUS "st" (MESSAGES 3 UNSEEN 2)', '* 3 EXISTS', 't12 OK STATUS completed'),
      );
    });

    it('LIST-EXTENDED selection and return options, several patterns, and LIST-STATUS', async () => {
      const account = await newUser('listext');
      const c = await connect('listext');
      assert.equal(await c.run('l1 CREATE p/q'), 'l1 OK CREATE completed\r\n');
      assert.equal(await c.run('l2 DELETE p'), 'l2 OK DELETE completed\r\n');
      assert.equal(await c.run('l3 SUBSCRIBE p/q'), 'l3 OK SUBSCRIBE completed\r\n');
      assert.equal(await c.run('l4 SUBSCRIBE Sent'), 'l4 OK SUBSCRIBE completed\r\n');
      const sent = await appendToFolder(storage, account, 'Sent', body('sent'));

      // Plain LIST as RFC 3501 has it.
      assert.equal(
        await c.run('l5 LIST "" %'),
        lines(...DEFAULT_FOLDERS, '* LIST (\\Noselect \\HasChildren) "/" "p"', 'l5 OK LIST completed'),
      );
      assert.equal(await c.run('l6 LIST "" ""'), lines('* LIST (\\Noselect) "/" ""', 'l6 OK LIST completed'));
      const bare = lines(
        '* LIST () "/" "Archive"',
        '* LIST () "/" "Drafts"',
        '* LIST () "/" "INBOX"',
        '* LIST () "/" "Junk"',
        '* LIST () "/" "Sent"',
        '* LIST () "/" "Trash"',
        '* LIST (\\NonExistent) "/" "p"',
      );
      assert.equal(await c.run('l7 LIST () "" %'), bare + 'l7 OK LIST completed\r\n');
      assert.equal(await c.run('l8 LIST (REMOTE) "" %'), bare + 'l8 OK LIST completed\r\n');
      assert.equal(
        await c.run('l9 LIST "" % RETURN (CHILDREN)'),
        lines(
          '* LIST (\\HasNoChildren) "/" "Archive"',
          '* LIST (\\HasNoChildren) "/" "Drafts"',
          '* LIST (\\HasNoChildren) "/" "INBOX"',
          '* LIST (\\HasNoChildren) "/" "Junk"',
          '* LIST (\\HasNoChildren) "/" "Sent"',
          '* LIST (\\HasNoChildren) "/" "Trash"',
          '* LIST (\\NonExistent \\HasChildren) "/" "p"',
          'l9 OK LIST completed',
        ),
      );
      assert.equal(
        await c.run('l10 LIST (SUBSCRIBED) "" *'),
        lines('* LIST (\\Subscribed) "/" "Sent"', '* LIST (\\Subscribed) "/" "p/q"', 'l10 OK LIST completed'),
      );
      assert.equal(
        await c.run('l11 LIST (SUBSCRIBED RECURSIVEMATCH) "" % RETURN (CHILDREN)'),
        lines(
          '* LIST (\\Subscribed \\HasNoChildren) "/" "Sent"',
          '* LIST (\\NonExistent \\HasChildren) "/" "p" (CHILDINFO ("SUBSCRIBED"))',
          'l11 OK LIST completed',
        ),
      );
      assert.equal(
        await c.run('l12 LIST (SPECIAL-USE) "" *'),
        lines(
          '* LIST (\\Archive) "/" "Archive"',
          '* LIST (\\Drafts) "/" "Drafts"',
          '* LIST (\\Junk) "/" "Junk"',
          '* LIST (\\Sent) "/" "Sent"',
          '* LIST (\\Trash) "/" "Trash"',
          'l12 OK LIST completed',
        ),
      );
      assert.equal(
        await c.run('l13 LIST (SPECIAL-USE SUBSCRIBED) "" *'),
        lines('* LIST (\\Subscribed \\Sent) "/" "Sent"', 'l13 OK LIST completed'),
      );
      assert.equal(
        await c.run('l14 LIST "" (Dr* "p/%" Nope) RETURN (SUBSCRIBED SPECIAL-USE)'),
        lines('* LIST (\\Drafts) "/" "Drafts"', '* LIST (\\Subscribed) "/" "p/q"', 'l14 OK LIST completed'),
      );
      assert.equal(
        await c.run('l15 LIST "" ("S*" "p*") RETURN (STATUS (MESSAGES UNSEEN SIZE))'),
        lines(
          '* LIST () "/" "Sent"',
          `* STATUS "Sent" (MESSAGES 1 UNSEEN 1 SIZE ${sent.size})`,
          '* LIST (\\NonExistent) "/" "p"',
          '* LIST () "/" "p/q"',
          '* STATUS "p/q" (MESSAGES 0 UNSEEN 0 SIZE 0)',
          'l15 OK LIST completed',
        ),
      );
      assert.equal(await c.run('l16 LIST () "" ""'), 'l16 OK LIST completed\r\n');
      assert.equal(
        await c.run('l17 LIST (RECURSIVEMATCH) "" %'),
        'l17 BAD RECURSIVEMATCH needs another selection option besides REMOTE\r\n',
      );
      assert.equal(
        await c.run('l18 LIST (REMOTE RECURSIVEMATCH) "" %'),
        'l18 BAD RECURSIVEMATCH needs another selection option besides REMOTE\r\n',
      );
      assert.equal(await c.run('l19 LIST (FOO) "" %'), 'l19 BAD Unknown LIST selection option FOO\r\n');
      assert.equal(await c.run('l20 LIST "" % RETURN (FOO)'), 'l20 BAD Unknown LIST return option FOO\r\n');
      assert.equal(await c.run('l21 LIST "" % RETURN (STATUS ())'), 'l21 BAD Empty status list\r\n');
      assert.equal(
        await c.run('l22 LIST "" % FOO (X)'),
        'l22 BAD Expected RETURN (options) after the LIST patterns\r\n',
      );
      assert.equal(await c.run('l23 LIST ""'), 'l23 BAD Missing arguments for LIST\r\n');
      assert.equal(await c.run('l24 LIST "" ()'), 'l24 BAD Empty mailbox pattern list\r\n');
      assert.equal(await c.run('l25 LSUB () "" %'), 'l25 BAD Too many arguments for LSUB\r\n');
    });

    it('imapflow creates, renames, lists (with LIST-STATUS), asks STATUS and deletes', async () => {
      const account = await newUser('flow');
      await appendToFolder(storage, account, 'INBOX', body('flow'));
      const client = new ImapFlow({
        host: '127.0.0.1',
        port,
        secure: false,
        doSTARTTLS: false,
        auth: { user: `flow@${DOMAIN}`, pass: PASSWORD },
        logger: false,
      });
      await client.connect();
      try {
        const created = await client.mailboxCreate(['Flow', 'Box']);
        assert.equal(created.path, 'Flow/Box');
        const renamed = await client.mailboxRename('Flow/Box', 'Flow/Moved');
        assert.equal(renamed.newPath, 'Flow/Moved');
        const status = await client.status('INBOX', { messages: true, unseen: true, uidNext: true });
        assert.ok(status);
        assert.deepEqual([status.messages, status.unseen, status.uidNext], [1, 1, 2]);
        const listed = await client.list({ statusQuery: { messages: true, unseen: true } });
        const byPath = new Map(listed.map((entry) => [entry.path, entry]));
        assert.deepEqual([...byPath.keys()].sort(), [
          'Archive',
          'Drafts',
          'Flow',
          'Flow/Moved',
          'INBOX',
          'Junk',
          'Sent',
          'Trash',
        ]);
        assert.equal(byPath.get('Sent')?.specialUse, '\\Sent');
        assert.deepEqual(byPath.get('INBOX')?.status, { path: 'INBOX', messages: 1, unseen: 1 });
        const deleted = await client.mailboxDelete('Flow/Moved');
        assert.equal(deleted.path, 'Flow/Moved');
        await assert.rejects(client.mailboxDelete('Flow/Moved'));
        assert.equal(await storage.mail.getFolder(account, 'Flow/Moved'), null);
      } finally {
        await client.logout();
      }
    });

    it("Python's imaplib creates, subscribes, renames, asks STATUS and deletes", async () => {
      const account = await newUser('python');
      await appendToFolder(storage, account, 'INBOX', body('python'), { flags: ['\\Seen'] });
      const script = `
import imaplib, json, sys
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
out = {}
out['login'] = m.login(sys.argv[2], sys.argv[3])[0]
out['create'] = m.create('Py/Box')
out['create_again'] = m.create('Py/Box')
out['subscribe'] = m.subscribe('Py/Box')
out['rename'] = m.rename('Py/Box', 'Py/Renamed')
out['lsub'] = m.lsub('""', '*')
out['status'] = m.status('INBOX', '(MESSAGES UNSEEN SIZE)')
out['list'] = m.list('""', 'Py*')
out['delete'] = m.delete('Py/Renamed')
out['delete_inbox'] = m.delete('INBOX')
m.logout()
print(json.dumps(out, default=lambda b: b.decode('latin1')))
`;
      const { stdout } = await run('python3', ['-c', script, String(port), `python@${DOMAIN}`, PASSWORD]);
      const size = (await storage.mail.listMessages(account, 'INBOX'))[0].size;
      assert.deepEqual(JSON.parse(stdout), {
        login: 'OK',
        create: ['OK', ['CREATE completed']],
        create_again: ['NO', ['[ALREADYEXISTS] Mailbox already exists']],
        subscribe: ['OK', ['SUBSCRIBE completed']],
        rename: ['OK', ['RENAME completed']],
        lsub: ['OK', ['(\\Noselect \\HasChildren) "/" "Py"', '(\\HasNoChildren) "/" "Py/Renamed"']],
        status: ['OK', [`"INBOX" (MESSAGES 1 UNSEEN 0 SIZE ${size})`]],
        list: ['OK', ['(\\HasChildren) "/" "Py"', '(\\HasNoChildren) "/" "Py/Renamed"']],
        delete: ['OK', ['DELETE completed']],
        delete_inbox: ['NO', ["INBOX can't be deleted"]],
      });
    });
  });
}
