/**
 * SEARCH, ESEARCH, SEARCHRES, WITHIN, SORT and THREAD over real sockets on every storage adapter:
 * raw IMAP with the exact bytes of each response, then imapflow and Python's imaplib on the same
 * mailbox. Six messages cover encoded words, quoted-printable and base64 bodies in UTF-8 and
 * Latin-1, an attachment that must not match, a reply chain, a forward, a duplicate Message-ID
 * and a message without a Date: header.
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
import { appendToFolder, type AccountKey, type Kernel, type MessageMeta } from '../../core/index.js';
import { afterFirstLine, afterTagged, connectRaw, SocketBuffer } from '../helpers/socket-buffer.js';
import { useAdapterInfra } from '../helpers/adapter-infra.js';
import { ADAPTER_NAMES, type TestStorage } from '../helpers/adapters.js';
import { directorySetup } from '../helpers/directory-setup.js';
import { onFreePorts, startTestKernel } from '../helpers/test-kernel.js';

const run = promisify(execFile);
const PASSWORD = 'search secret';
const ALICE: AccountKey = { domain: 'example.org', name: 'alice' };

const crlf = (lines: string[]): Buffer => Buffer.from(lines.join('\r\n'), 'utf8');

/** The six messages, in mailbox order, with their flags and internal dates. */
const MESSAGES: { body: Buffer; flags: string[]; internalDate: Date }[] = [
  {
    body: crlf([
      'From: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <juergen@example.net>',
      'To: alice@example.org',
      'Subject: Lunch plans',
      'Date: Sun, 01 Feb 2026 10:00:00 +0100',
      'Message-ID: <lunch-1@example.net>',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Shall we meet at the Caf=C3=A9 at noon? Bring the soft=',
      'ware notes.',
      '',
    ]),
    flags: ['\\Seen'],
    internalDate: new Date('2026-02-01T09:00:05Z'),
  },
  {
    body: crlf([
      'From: Alice <alice@example.org>',
      'To: =?ISO-8859-1?Q?Ren=E9?= <rene@example.net>',
      'Cc: bob@example.com',
      'Subject: Re: Lunch plans',
      'Date: Mon, 02 Feb 2026 08:30:00 -0500',
      'Message-ID: <lunch-2@example.org>',
      'In-Reply-To: <lunch-1@example.net>',
      'References: <lunch-1@example.net>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/alternative; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=iso-8859-1',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('Noon works. Crème brûlée for dessert?\r\n', 'latin1').toString('base64'),
      '--b1',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<p>Noon works. <b>Dessert</b> after.</p>',
      '--b1--',
      '',
    ]),
    flags: ['\\Seen', '\\Answered'],
    internalDate: new Date('2026-02-02T14:00:00Z'),
  },
  {
    body: crlf([
      'From: bob@example.com',
      'To: alice@example.org, juergen@example.net',
      'Subject: RE: [team] Lunch plans',
      'Date: Tue, 03 Feb 2026 12:00:00 +0000',
      'Message-ID: <lunch-3@example.com>',
      'References: <lunch-1@example.net>',
      ' <lunch-2@example.org>',
      'X-Priority: 1',
      '',
      'Count me in.',
      '',
    ]),
    flags: [],
    internalDate: new Date('2026-02-03T12:00:01Z'),
  },
  {
    body: crlf([
      'From: "Carol" <carol@example.com>',
      'To: alice@example.org',
      'Subject: Quarterly report',
      'Date: Wed, 04 Feb 2026 09:00:00 +0000',
      'Message-ID: <report@example.com>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="m"',
      '',
      '--m',
      'Content-Type: text/plain',
      '',
      'See the attached report.',
      '--m',
      'Content-Type: application/octet-stream',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('secretword '.repeat(200)).toString('base64'),
      '--m--',
      '',
    ]),
    flags: ['\\Flagged', '$Important'],
    internalDate: new Date('2026-02-04T09:00:00Z'),
  },
  {
    body: crlf([
      'From: dave@example.org',
      'To: alice@example.org',
      'Subject: Fwd: Quarterly report',
      'Date: Thu, 05 Feb 2026 09:00:00 +0000',
      'Message-ID: <fwd-report@example.org>',
      '',
      'Forwarding the report.',
      '',
    ]),
    flags: ['\\Deleted', '\\Draft'],
    internalDate: new Date(), // YOUNGER 3600 finds this one alone
  },
  {
    body: crlf([
      'From: list@example.com',
      'Subject: [list] Weekly digest (fwd)',
      'Message-ID: <lunch-1@example.net>',
      '',
      'Digest body',
      '',
    ]),
    flags: [],
    internalDate: new Date('2026-01-15T00:00:00Z'),
  },
];

/** A hand-driven IMAP connection: a command and every byte up to its tagged completion. */
class RawImap {
  private readonly received: SocketBuffer;

  private constructor(private readonly socket: net.Socket) {
    this.received = new SocketBuffer(socket);
  }

  static async connect(port: number): Promise<RawImap> {
    const client = new RawImap(await connectRaw(port));
    await client.received.take(afterFirstLine);
    return client;
  }

  /** Sends `tag text` (a string holding literals goes as is) and resolves the whole response. */
  async command(tag: string, text: string): Promise<string> {
    this.socket.write(Buffer.from(`${tag} ${text}\r\n`, 'utf8'));
    return (await this.received.take((buffered) => afterTagged(buffered, tag))).toString('utf8');
  }

  close(): void {
    this.socket.destroy();
  }
}

/** `* SEARCH ...` then the tagged OK. */
const searchReply = (tag: string, numbers: number[], uid = false): string =>
  `* SEARCH${numbers.map((n) => ` ${n}`).join('')}\r\n${tag} OK ${uid ? 'UID ' : ''}SEARCH completed\r\n`;

const IMAPLIB_ROUND = `
import imaplib, json, sys
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
m.login(sys.argv[2], sys.argv[3])
m.select('INBOX')
out = {}
out['search'] = [x.decode() for x in m.search(None, 'UNSEEN', 'NOT', 'DELETED')[1]]
out['sort'] = [x.decode() for x in m.sort('(REVERSE DATE)', 'UTF-8', 'ALL')[1]]
out['thread'] = [x.decode() for x in m.thread('REFERENCES', 'UTF-8', 'ALL')[1]]
out['uidsearch'] = [x.decode() for x in m.uid('SEARCH', 'CHARSET', 'UTF-8', 'BODY', 'dessert')[1]]
m.logout()
print(json.dumps(out))
`;

const infra = useAdapterInfra('imap-search');

for (const adapter of ADAPTER_NAMES) {
  describe(`IMAP SEARCH, SORT and THREAD on the ${adapter} storage adapter`, () => {
    let dir: string;
    let testStorage: TestStorage | undefined;
    let kernel: Kernel;
    let port: number;
    let stored: MessageMeta[];
    let uids: number[];
    let imap: RawImap;

    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'mw-imap-search-'));
      testStorage = await infra().storages.open(adapter);
      const started = await startTestKernel(
        {
          storage: testStorage.url,
          redis: { url: infra().redis.url },
          plugins: { imap: { plaintextAuth: 'anywhere' } },
          listen: onFreePorts('imap'),
        },
        dir,
      );
      kernel = started.kernel;
      port = started.port('imap');
      const directory = directorySetup(kernel.container);
      await directory.addDomain('example.org');
      await directory.addUser('alice@example.org', PASSWORD);
      stored = [];
      for (const { body, flags, internalDate } of MESSAGES) {
        stored.push(await appendToFolder(started.storage, ALICE, 'INBOX', body, { flags, internalDate }));
      }
      uids = stored.map((message) => message.uid);
      imap = await RawImap.connect(port);
      assert.match(await imap.command('L', `LOGIN alice@example.org "${PASSWORD}"`), /^L OK /m);
      assert.match(await imap.command('S', 'SELECT INBOX'), /^\* 6 EXISTS\r$/m);
    });

    after(async () => {
      imap?.close();
      await kernel?.stop();
      await testStorage?.cleanup();
      await rm(dir, { recursive: true, force: true });
    });

    it('advertises the search family once logged in', async () => {
      const reply = await imap.command('C', 'CAPABILITY');
      for (const name of [
        'ESEARCH',
        'SEARCHRES',
        'WITHIN',
        'SORT',
        'THREAD=ORDEREDSUBJECT',
        'THREAD=REFERENCES',
      ]) {
        assert.match(reply, new RegExp(`^\\* CAPABILITY .* ${name}( |\\r)`, 'm'), name);
      }
    });

    it('searches flags, keywords and the recent family', async () => {
      const cases: [string, number[]][] = [
        ['ALL', [1, 2, 3, 4, 5, 6]],
        ['SEEN', [1, 2]],
        ['UNSEEN', [3, 4, 5, 6]],
        ['ANSWERED', [2]],
        ['UNANSWERED', [1, 3, 4, 5, 6]],
        ['DELETED', [5]],
        ['UNDELETED', [1, 2, 3, 4, 6]],
        ['DRAFT', [5]],
        ['UNDRAFT', [1, 2, 3, 4, 6]],
        ['FLAGGED', [4]],
        ['UNFLAGGED', [1, 2, 3, 5, 6]],
        ['KEYWORD $Important', [4]],
        ['UNKEYWORD $important', [1, 2, 3, 5, 6]],
        // \Recent is not implemented: nothing is recent.
        ['RECENT', []],
        ['NEW', []],
        ['OLD', [1, 2, 3, 4, 5, 6]],
      ];
      for (const [criteria, expected] of cases) {
        assert.equal(await imap.command('F', `SEARCH ${criteria}`), searchReply('F', expected), criteria);
      }
    });

    it('searches message numbers, UIDs, sizes, dates and ages', async () => {
      const sizes = stored.map((message) => message.size);
      const cases: [string, number[]][] = [
        ['2:4', [2, 3, 4]],
        ['*', [6]],
        ['5:*', [5, 6]],
        ['1,3,9', [1, 3]],
        [`UID ${uids[4]}:*`, [5, 6]],
        [`UID ${uids[5] + 100}:*`, [6]],
        [`LARGER ${sizes[3] - 1}`, sizes.flatMap((size, i) => (size > sizes[3] - 1 ? [i + 1] : []))],
        [`SMALLER ${sizes[2] + 1}`, sizes.flatMap((size, i) => (size < sizes[2] + 1 ? [i + 1] : []))],
        ['ON 2-Feb-2026', [2]],
        ['BEFORE 3-Feb-2026', [1, 2, 6]],
        ['SINCE 4-Feb-2026', [4, 5]],
        ['SENTON 2-Feb-2026', [2]],
        ['SENTBEFORE "2-Feb-2026"', [1]],
        ['SENTSINCE 04-feb-2026', [4, 5]],
        ['YOUNGER 3600', [5]],
        ['OLDER 3600', [1, 2, 3, 4, 6]],
      ];
      for (const [criteria, expected] of cases) {
        assert.equal(await imap.command('N', `SEARCH ${criteria}`), searchReply('N', expected), criteria);
      }
      assert.equal(await imap.command('U', 'UID SEARCH SEEN'), searchReply('U', [uids[0], uids[1]], true));
    });

    it('searches decoded headers, bodies and text, case-insensitively', async () => {
      const cases: [string, number[]][] = [
        ['CHARSET UTF-8 FROM {7+}\r\njÜrgen', [1]],
        ['CHARSET UTF-8 TO {5+}\r\nrené', [2]],
        ['CC BOB', [2]],
        ['BCC bob', []],
        ['SUBJECT "lunch PLANS"', [1, 2, 3]],
        ['HEADER X-Priority 1', [3]],
        ['HEADER x-priority ""', [3]],
        ['HEADER References lunch-2', [3]],
        ['CHARSET UTF-8 BODY {5+}\r\ncafé', [1]],
        ['CHARSET UTF-8 BODY {6+}\r\ncrème', [2]],
        ['BODY software', [1]],
        ['BODY dessert', [2]],
        ['BODY secretword', []],
        ['TEXT x-priority', [3]],
        ['TEXT "count ME"', [3]],
        ['TEXT juergen', [1, 3]],
      ];
      for (const [criteria, expected] of cases) {
        assert.equal(await imap.command('H', `SEARCH ${criteria}`), searchReply('H', expected), criteria);
      }
    });

    it('combines keys with OR, NOT and parentheses', async () => {
      const cases: [string, number[]][] = [
        ['OR SEEN FLAGGED', [1, 2, 4]],
        ['NOT SEEN', [3, 4, 5, 6]],
        ['(SEEN ANSWERED)', [2]],
        ['OR (FROM bob) (CC bob)', [2, 3]],
        ['NOT (OR BODY noon SUBJECT report)', [3, 6]],
        ['UNSEEN NOT BODY report', [3, 6]],
        ['OR NOT 1:5 DELETED', [5, 6]],
      ];
      for (const [criteria, expected] of cases) {
        assert.equal(await imap.command('O', `SEARCH ${criteria}`), searchReply('O', expected), criteria);
      }
    });

    it('refuses malformed keys with a precise BAD and unknown charsets with BADCHARSET', async () => {
      const cases: [string, string][] = [
        ['SEARCH', 'B BAD Missing search criteria'],
        ['SEARCH FOO', 'B BAD Unknown search key "FOO"'],
        ['SEARCH SINCE 31-Feb-2026', 'B BAD SINCE needs a date like 1-Feb-2026, got "31-Feb-2026"'],
        ['SEARCH LARGER big', 'B BAD LARGER needs a number, got "big"'],
        ['SEARCH OR SEEN', 'B BAD OR needs two search keys, got one'],
        ['SEARCH NOT', 'B BAD NOT needs a search key after it'],
        ['SEARCH SEEN CHARSET UTF-8', 'B BAD CHARSET must come before the search keys'],
        ['SEARCH RETURN (FIRST) ALL', 'B BAD Unknown SEARCH return option "FIRST"'],
        [
          'SEARCH CHARSET KOI8-R SUBJECT x',
          'B NO [BADCHARSET (UTF-8 US-ASCII)] Charset "KOI8-R" is not supported',
        ],
        ['SORT (SUBJECT) KOI8-R ALL', 'B NO [BADCHARSET (UTF-8 US-ASCII)] Charset "KOI8-R" is not supported'],
        ['SORT (NAME) UTF-8 ALL', 'B BAD Unknown sort criterion "NAME"'],
        ['SORT (SUBJECT REVERSE) UTF-8 ALL', 'B BAD REVERSE must be followed by a sort criterion'],
        [
          'THREAD BYDATE UTF-8 ALL',
          'B BAD Unknown threading algorithm "BYDATE": use ORDEREDSUBJECT or REFERENCES',
        ],
      ];
      for (const [command, expected] of cases) {
        assert.equal(await imap.command('B', command), `${expected}\r\n`, command);
      }
    });

    it('answers RETURN options with ESEARCH (RFC 4731)', async () => {
      assert.equal(
        await imap.command('E1', 'SEARCH RETURN (MIN MAX COUNT ALL) UNSEEN'),
        '* ESEARCH (TAG "E1") MIN 3 MAX 6 COUNT 4 ALL 3:6\r\nE1 OK SEARCH completed\r\n',
      );
      assert.equal(
        await imap.command('E2', 'UID SEARCH RETURN () OR SEEN FLAGGED'),
        `* ESEARCH (TAG "E2") UID ALL ${uids[0]}:${uids[1]},${uids[3]}\r\nE2 OK UID SEARCH completed\r\n`,
      );
      assert.equal(
        await imap.command('E3', 'SEARCH RETURN (MIN COUNT) RECENT'),
        '* ESEARCH (TAG "E3") COUNT 0\r\nE3 OK SEARCH completed\r\n',
      );
    });

    it('saves a result for $ (RFC 5182) and forgets it on a new selection', async () => {
      assert.equal(await imap.command('R1', 'SEARCH RETURN (SAVE) FLAGGED'), 'R1 OK SEARCH completed\r\n');
      assert.equal(
        await imap.command('R2', 'FETCH $ (UID FLAGS)'),
        `* 4 FETCH (UID ${uids[3]} FLAGS (\\Flagged $Important))\r\nR2 OK FETCH completed\r\n`,
      );
      assert.equal(
        await imap.command('R3', 'UID SEARCH OR UID $ ANSWERED'),
        searchReply('R3', [uids[1], uids[3]], true),
      );
      // SAVE with MIN and MAX alone keeps only those two (RFC 5182 §2.4).
      assert.equal(
        await imap.command('R4', 'SEARCH RETURN (SAVE MIN MAX) UNSEEN'),
        '* ESEARCH (TAG "R4") MIN 3 MAX 6\r\nR4 OK SEARCH completed\r\n',
      );
      assert.equal(await imap.command('R5', 'SEARCH $'), searchReply('R5', [3, 6]));
      assert.equal(
        await imap.command('R6', 'SEARCH RETURN (SAVE COUNT) UNSEEN'),
        '* ESEARCH (TAG "R6") COUNT 4\r\nR6 OK SEARCH completed\r\n',
      );
      assert.equal(await imap.command('R7', 'SEARCH $'), searchReply('R7', [3, 4, 5, 6]));
      // A failed SEARCH that was to save leaves $ empty.
      assert.match(await imap.command('R8', 'SEARCH RETURN (SAVE) NOSUCHKEY'), /^R8 BAD /);
      assert.equal(await imap.command('R9', 'SEARCH $'), searchReply('R9', []));
      await imap.command('R10', 'SEARCH RETURN (SAVE) ALL');
      assert.match(await imap.command('R11', 'UNSELECT'), /^R11 OK /m);
      assert.match(await imap.command('R12', 'EXAMINE INBOX'), /^R12 OK /m);
      assert.equal(await imap.command('R13', 'UID FETCH $ UID'), 'R13 OK UID FETCH completed\r\n');
      assert.match(await imap.command('R14', 'SELECT INBOX'), /^R14 OK /m);
    });

    it('sorts by every criterion (RFC 5256 §3)', async () => {
      const bySize = [1, 2, 3, 4, 5, 6].sort((a, b) => stored[a - 1].size - stored[b - 1].size || a - b);
      const cases: [string, number[]][] = [
        ['(SUBJECT) UTF-8 ALL', [1, 2, 3, 4, 5, 6]],
        ['(REVERSE SUBJECT) UTF-8 ALL', [6, 4, 5, 1, 2, 3]],
        ['(DATE) UTF-8 ALL', [6, 1, 2, 3, 4, 5]],
        ['(REVERSE ARRIVAL) US-ASCII ALL', [5, 4, 3, 2, 1, 6]],
        ['(FROM) UTF-8 ALL', [2, 3, 4, 5, 1, 6]],
        ['(TO) UTF-8 ALL', [6, 1, 3, 4, 5, 2]],
        ['(CC DATE) UTF-8 ALL', [6, 1, 3, 4, 5, 2]],
        ['(SIZE) UTF-8 ALL', bySize],
        ['(REVERSE DATE) UTF-8 SEEN', [2, 1]],
      ];
      for (const [criteria, expected] of cases) {
        assert.equal(
          await imap.command('T', `SORT ${criteria}`),
          `* SORT ${expected.join(' ')}\r\nT OK SORT completed\r\n`,
          criteria,
        );
      }
      assert.equal(
        await imap.command('T', 'UID SORT (REVERSE DATE) UTF-8 UNSEEN'),
        `* SORT ${[5, 4, 3, 6].map((n) => uids[n - 1]).join(' ')}\r\nT OK UID SORT completed\r\n`,
      );
      assert.equal(await imap.command('T', 'SORT (DATE) UTF-8 RECENT'), '* SORT\r\nT OK SORT completed\r\n');
    });

    it('threads by ORDEREDSUBJECT and REFERENCES (RFC 5256 §4)', async () => {
      assert.equal(
        await imap.command('T1', 'THREAD ORDEREDSUBJECT UTF-8 ALL'),
        '* THREAD (6)(1 (2)(3))(4 5)\r\nT1 OK THREAD completed\r\n',
      );
      assert.equal(
        await imap.command('T2', 'THREAD REFERENCES UTF-8 ALL'),
        '* THREAD (6)(1 2 3)(4 5)\r\nT2 OK THREAD completed\r\n',
      );
      // Without message 2 the chain 1 → 3 still holds through 3's References.
      assert.equal(
        await imap.command('T3', 'UID THREAD REFERENCES UTF-8 NOT 2'),
        `* THREAD (${uids[5]})(${uids[0]} ${uids[2]})(${uids[3]} ${uids[4]})\r\nT3 OK UID THREAD completed\r\n`,
      );
      assert.equal(
        await imap.command('T4', 'THREAD REFERENCES UTF-8 RECENT'),
        '* THREAD\r\nT4 OK THREAD completed\r\n',
      );
    });

    it('answers imapflow searches', async () => {
      const client = new ImapFlow({
        host: '127.0.0.1',
        port,
        secure: false,
        doSTARTTLS: false,
        auth: { user: 'alice@example.org', pass: PASSWORD },
        logger: false,
      });
      await client.connect();
      try {
        await client.mailboxOpen('INBOX', { readOnly: true });
        assert.deepEqual(await client.search({ seen: false }), [3, 4, 5, 6]);
        assert.deepEqual(await client.search({ body: 'crème' }, { uid: true }), [uids[1]]);
        assert.deepEqual(
          await client.search({ or: [{ flagged: true }, { subject: 'lunch' }] }),
          [1, 2, 3, 4],
        );
        assert.deepEqual(
          await client.search({ from: 'jürgen', since: new Date('2026-01-31T00:00:00Z') }),
          [1],
        );
      } finally {
        await client.logout();
      }
    });

    it("answers Python imaplib's SEARCH, SORT and THREAD", async () => {
      const { stdout } = await run('python3', [
        '-c',
        IMAPLIB_ROUND,
        String(port),
        'alice@example.org',
        PASSWORD,
      ]);
      assert.deepEqual(JSON.parse(stdout), {
        search: ['3 4 6'],
        sort: ['5 4 3 2 1 6'],
        thread: ['(6)(1 2 3)(4 5)'],
        uidsearch: [String(uids[1])],
      });
    });
  });
}
