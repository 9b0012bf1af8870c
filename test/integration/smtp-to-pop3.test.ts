/**
 * End to end on every storage adapter: a domain and a user provisioned over the XMail CTRL wire,
 * messages with awkward bodies sent over SMTP by nodemailer and by Python's smtplib, delivered by
 * the queue, then read back over POP3 (after STLS) by poplib, curl and fetchmail. Each client must
 * get exactly the bytes that were sent, behind the trace headers the server puts on top.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { AdminServiceToken, Kernel, NotFoundError, Tokens, type Storage } from '../../core/index.js';
import { mailwrightConfigSchema } from '../../core/config/schema.js';
import { ADAPTER_NAMES, type AdapterName, type TestStorage } from '../helpers/adapters.js';
import { useAdapterInfra } from '../helpers/adapter-infra.js';
import { CtrlClient } from '../helpers/ctrl-client.js';
import { quietLogger } from '../helpers/logger.js';
import { readWithCurl, readWithFetchmail, readWithPoplib, type Pop3Login } from '../helpers/pop3-readers.js';

const run = promisify(execFile);
const SMTPLIB_DRIVER = path.resolve(
  fileURLToPath(import.meta.url),
  '../../../../test/helpers/smtplib-send.py',
);

const DOMAIN = 'example.test';
const USER = 'alice';
const MAILBOX = `${USER}@${DOMAIN}`;
const PASSWORD = 'pop secret with spaces';
const SENDER = 'bob@elsewhere.test';
const CLIENTS = ['nodemailer', 'smtplib'] as const;
type SendingClient = (typeof CLIENTS)[number];

/** 2 MB of attachment, the same for every message that carries it (so a mix-up cannot pass). */
const ATTACHMENT = randomBytes(2 * 1024 * 1024);

function headers(client: SendingClient, kind: string, extra: string[] = []): string {
  return [
    `From: Bob <${SENDER}>`,
    `To: Alice <${MAILBOX}>`,
    `Subject: ${kind} via ${client}`,
    `Message-ID: <${kind}.${client}@elsewhere.test>`,
    'Date: Tue, 05 May 2026 10:00:00 +0000',
    'MIME-Version: 1.0',
    ...extra,
  ].join('\r\n');
}

/** Lines starting with dots, lone dots (one of them the last line), CRLF throughout. */
function dotsMessage(client: SendingClient): Buffer {
  const body = ['.leading dot', '..two dots', '.', 'after a lone dot', '...', ' . not at the start', '.'];
  return Buffer.from(
    `${headers(client, 'dots', ['Content-Type: text/plain; charset=us-ascii'])}\r\n\r\n${body.join('\r\n')}\r\n`,
  );
}

/** Raw 8-bit UTF-8 and lines of exactly 998 octets (the RFC 5322 maximum), one of them dot-led. */
function eightBitMessage(client: SendingClient): Buffer {
  const body = [
    'Grüße aus Köln, ça va? Ελληνικά, 日本語, emoji 🙂',
    'x'.repeat(998),
    '.' + 'y'.repeat(997),
    'ä'.repeat(499), // 998 octets in UTF-8
    '.',
    'Ende.',
  ];
  const head = headers(client, 'eightbit', [
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
  ]);
  return Buffer.from(`${head}\r\n\r\n${body.join('\r\n')}\r\n`, 'utf8');
}

/** A multipart message with a 2 MB attachment, as nodemailer's MailComposer builds it. */
function attachmentMessage(client: SendingClient): Promise<Buffer> {
  const mail = new MailComposer({
    from: `Bob <${SENDER}>`,
    to: `Alice <${MAILBOX}>`,
    subject: `attachment via ${client}`,
    messageId: `<attachment.${client}@elsewhere.test>`,
    date: new Date('2026-05-05T10:00:00Z'),
    text: 'Grüße, see the attachment.\r\n.\r\n.dot-led line\r\n',
    attachments: [{ filename: 'random.bin', content: ATTACHMENT, contentType: 'application/octet-stream' }],
  });
  return mail.compile().build();
}

/** Built once: MailComposer picks a new random boundary every time. */
const MESSAGES: Record<SendingClient, Buffer[]> = Object.fromEntries(
  await Promise.all(
    CLIENTS.map(async (client) => [
      client,
      [dotsMessage(client), eightBitMessage(client), await attachmentMessage(client)],
    ]),
  ),
) as Record<SendingClient, Buffer[]>;

/** The Message-ID's left part names a message: `dots.smtplib`. */
function messageKey(message: Buffer): string {
  const id = /^Message-ID: <([^@>]+)@/im.exec(message.toString('latin1'));
  assert.ok(id, `a Message-ID in: ${message.subarray(0, 400).toString('latin1')}`);
  return id[1];
}

/** Message key → the bytes an SMTP client sent. */
const SENT = new Map(
  CLIENTS.flatMap((client) => MESSAGES[client]).map((message) => [messageKey(message), message]),
);

/**
 * Splits off the trace header fields at the top (`Return-Path:` and `Received:`, with their folded
 * continuation lines) and nothing else: the rest must be the message as sent.
 */
function splitTrace(message: Buffer): { trace: string[]; rest: Buffer } {
  const text = message.toString('latin1');
  const field = /(Return-Path|Received):[^\r\n]*\r?\n(?:[ \t][^\r\n]*\r?\n)*/y;
  const trace: string[] = [];
  for (let match = field.exec(text); match; match = field.exec(text)) trace.push(match[0]);
  // latin1: one character per octet.
  return { trace, rest: message.subarray(trace.join('').length) };
}

/** Equal bytes, or a message naming the first difference (not 2 MB of diff). */
function assertSameBytes(actual: Buffer, expected: Buffer, what: string): void {
  if (actual.equals(expected)) return;
  let at = 0;
  while (at < actual.length && at < expected.length && actual[at] === expected[at]) at++;
  const around = (bytes: Buffer) =>
    JSON.stringify(bytes.subarray(Math.max(0, at - 40), at + 40).toString('latin1'));
  assert.fail(
    `${what}: ${actual.length} octets, expected ${expected.length}; first difference at ${at}:\n` +
      `  got      ${around(actual)}\n  expected ${around(expected)}`,
  );
}

const infra = useAdapterInfra('smtp2pop3');

for (const adapter of ADAPTER_NAMES) describeEndToEnd(adapter);

function describeEndToEnd(adapter: AdapterName): void {
  describe(`SMTP to POP3 on the ${adapter} storage adapter, provisioned over CTRL`, () => {
    let dir: string;
    let testStorage: TestStorage;
    let kernel: Kernel;
    let storage: Storage;
    let ports: Map<string, number>;
    let pop3: Pop3Login;

    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), `mw-smtp2pop3-${adapter}-`));
      testStorage = await infra().storages.open(adapter);
      const config = mailwrightConfigSchema.parse({
        storage: testStorage.url,
        redis: { url: infra().redis.url },
        plugins: {
          smtp: { hostname: 'mx.example.test', reverseDns: false },
          queue: { prefix: `smtp2pop3-${adapter}`, hostname: 'mx.example.test' },
          // Every POP3 client below logs in after STLS.
          pop3: {},
          'xmail-ctrl': {},
        },
        listen: Object.fromEntries(
          ['smtp', 'submission', 'smtps', 'pop3', 'pop3s', 'xmail-ctrl', 'xmail-ctrls'].map((name) => [
            name,
            '127.0.0.1:0',
          ]),
        ),
      });
      kernel = await Kernel.create({ config, home: dir, logger: quietLogger() });
      await kernel.start();
      ports = new Map(kernel.listeners.map((listener) => [listener.name, listener.address.port]));
      storage = kernel.container.resolve(Tokens.Storage);
      await kernel.container.resolve(AdminServiceToken).add('admin', 'ctrl secret');
      pop3 = { port: ports.get('pop3')!, user: MAILBOX, password: PASSWORD };
    });

    after(async () => {
      await kernel?.stop();
      await testStorage?.cleanup();
      await rm(dir, { recursive: true, force: true });
    });

    it('provisions the domain and the user over the CTRL wire', async () => {
      const ctrl = await CtrlClient.connect(ports.get('xmail-ctrl')!);
      try {
        assert.deepEqual(await ctrl.raw(`"admin"\t"${ctrl.md5('ctrl secret')}"`), ['+00000 OK']);
        assert.deepEqual(await ctrl.command('domainadd', DOMAIN), ['+00000 OK']);
        assert.deepEqual(await ctrl.command('useradd', DOMAIN, USER, PASSWORD, 'U'), ['+00000 OK']);
        const users = await ctrl.command('userlist', DOMAIN);
        assert.equal(users.length, 3, users.join(' | '));
        assert.match(users[1], /^"example\.test"\t"alice"\t"[^"]+"\t"U"$/);
      } finally {
        ctrl.close();
      }
    });

    it('accepts the messages from nodemailer and from smtplib', async () => {
      for (const [key, message] of SENT)
        assert.ok(!/[^\r]\n/.test(message.toString('latin1')), `${key} has CRLF line ends only`);
      const smtp = ports.get('smtp')!;
      const transport = nodemailer.createTransport({
        host: '127.0.0.1',
        port: smtp,
        secure: false,
        tls: { rejectUnauthorized: false },
      });
      try {
        for (const message of MESSAGES.nodemailer) {
          const info = await transport.sendMail({ envelope: { from: SENDER, to: [MAILBOX] }, raw: message });
          assert.match(info.response, /^250 /);
        }
      } finally {
        transport.close();
      }

      const files: string[] = [];
      for (const [i, message] of MESSAGES.smtplib.entries()) {
        files.push(path.join(dir, `smtplib-${i}.eml`));
        await writeFile(files[i], message);
      }
      const { stdout } = await run('python3', [
        SMTPLIB_DRIVER,
        '127.0.0.1',
        String(smtp),
        SENDER,
        MAILBOX,
        ...files,
      ]);
      const replies = JSON.parse(stdout) as [number, string][];
      assert.deepEqual(
        replies.map(([code]) => code),
        [250, 250, 250],
        JSON.stringify(replies),
      );

      // The queue delivers in the background.
      const deadline = Date.now() + 20_000;
      for (;;) {
        const inbox = await storage.mail
          .listMessages({ domain: DOMAIN, name: USER }, 'INBOX')
          .catch((err: unknown) => (err instanceof NotFoundError ? [] : Promise.reject(err)));
        if (inbox.length >= SENT.size) {
          assert.equal(inbox.length, SENT.size);
          break;
        }
        assert.ok(Date.now() < deadline, `only ${inbox.length} of ${SENT.size} messages delivered`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    });

    /** Each message once, with exactly the trace fields expected, then byte for byte as sent. */
    function assertAllSent(received: Buffer[], client: string, traceFields: RegExp[]): void {
      const seen = new Set<string>();
      for (const message of received) {
        const { trace, rest } = splitTrace(message);
        const key = messageKey(rest);
        seen.add(key);
        assert.equal(
          trace.length,
          traceFields.length,
          `${client} ${key}: trace fields ${JSON.stringify(trace)}`,
        );
        for (const [i, pattern] of traceFields.entries()) assert.match(trace[i], pattern, `${client} ${key}`);
        assertSameBytes(rest, SENT.get(key) ?? Buffer.alloc(0), `${client} ${key}`);
      }
      assert.deepEqual([...seen].sort(), [...SENT.keys()].sort(), `${client} got every message once`);
    }

    const OUR_TRACE = [
      new RegExp(`^Return-Path: <${SENDER.replace('.', '\\.')}>\\r\\n$`),
      /^Received: from \S+ \(\[127\.0\.0\.1\]\)\r\n\tby mx\.example\.test \(Mailwright\) with E?SMTPS? id \S+\r\n\tfor <alice@example\.test>; [^\r\n]+\r\n$/,
    ];

    it('serves poplib every message byte for byte, with LIST and STAT sizes of what it got', async () => {
      const result = await readWithPoplib(pop3);
      assertAllSent(result.messages, 'poplib', OUR_TRACE);
      assert.deepEqual(
        result.list,
        result.messages.map((message, i) => `${i + 1} ${message.length}`),
      );
      assert.deepEqual(result.stat, [
        SENT.size,
        result.messages.reduce((sum, message) => sum + message.length, 0),
      ]);
    });

    it('serves curl every message byte for byte, with LIST sizes of what it got', async () => {
      const result = await readWithCurl(pop3, SENT.size);
      assertAllSent(result.messages, 'curl', OUR_TRACE);
      assert.equal(
        result.list,
        result.messages.map((message, i) => `${i + 1} ${message.length}\r\n`).join(''),
      );
    });

    it('serves fetchmail every message byte for byte, behind its own Received header', async () => {
      const fetched = await readWithFetchmail(pop3, dir);
      // fetchmail keeps Return-Path on top and adds its Received header below it.
      const [returnPath, received] = OUR_TRACE;
      assertAllSent(fetched, 'fetchmail', [
        returnPath,
        /^Received: from 127\.0\.0\.1 \[127\.0\.0\.1\]\r\n\tby \S+ with POP3 \(fetchmail-[^\r\n]+\r\n\tfor <[^\r\n]+\r\n$/,
        received,
      ]);
      // `keep`: the maildrop is as it was.
      const inbox = await storage.mail.listMessages({ domain: DOMAIN, name: USER }, 'INBOX');
      assert.equal(inbox.length, SENT.size);
    });
  });
}
