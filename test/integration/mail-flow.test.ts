import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import nodemailer from 'nodemailer';
import {
  definePlugin,
  DeliveryQueueToken,
  spoolMessage,
  Kernel,
  pass,
  reject,
  type HookPayloads,
  type Storage,
} from '../../core/index.js';
import { directorySetup } from '../helpers/directory-setup.js';
import { homePaths } from '../../core/runtime/home.js';
import { ADAPTER_NAMES, type AdapterName, type TestStorage } from '../helpers/adapters.js';
import { useAdapterInfra } from '../helpers/adapter-infra.js';
import { startTestKernel } from '../helpers/test-kernel.js';

const PASSWORD = 'correct horse battery staple';

/** A third-party-style plugin: refuses one recipient at RCPT and records the notification hooks. */
function observerPlugin() {
  const delivered: HookPayloads['delivered'][] = [];
  const bounced: HookPayloads['bounced'][] = [];
  const plugin = definePlugin({
    name: 'test-observer',
    version: '0.0.0',
    start(ctx) {
      ctx.hooks.on('rcpt', 'test-observer', (rcpt) =>
        rcpt.address === 'blocked@example.org' ? reject(550, '5.7.1 Blocked by test policy') : pass(),
      );
      ctx.hooks.on('delivered', 'test-observer', (event) => (delivered.push(event), pass()));
      ctx.hooks.on('bounced', 'test-observer', (event) => (bounced.push(event), pass()));
    },
  });
  return { plugin, delivered, bounced };
}

async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

/** The reply an SMTP client got for a refused command. */
function smtpFailure(err: unknown): { code: number | undefined; text: string } {
  const e = err as {
    responseCode?: number;
    response?: string;
    rejectedErrors?: { responseCode?: number; response?: string }[];
  };
  const first = e.rejectedErrors?.[0] ?? e;
  return { code: first.responseCode, text: first.response ?? String(err) };
}

const infra = useAdapterInfra('mailflow');

for (const adapter of ADAPTER_NAMES) describeMailFlow(adapter);

function describeMailFlow(adapter: AdapterName): void {
  describe(`mail flow on the ${adapter} storage adapter: SMTP in, queue, local delivery`, () => {
    let dir: string;
    let testStorage: TestStorage;
    let kernel: Kernel;
    let storage: Storage;
    let observer: ReturnType<typeof observerPlugin>;
    let smtpPort: number;
    let submissionPort: number;
    let smtpsPort: number;

    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'mw-mailflow-'));
      testStorage = await infra().storages.open(adapter);
      observer = observerPlugin();
      const started = await startTestKernel(
        {
          storage: testStorage.url,
          redis: { url: infra().redis.url },
          plugins: {
            queue: { prefix: `mailflow-${adapter}`, retryDelayMs: 200 },
            // No trusted networks: the loopback client must not be allowed to relay.
            smtp: {
              hostname: 'mx.example.org',
              trustedNetworks: [],
              reverseDns: false,
              maxMessageSize: 1048576,
            },
          },
          listen: { smtp: '127.0.0.1:0', submission: '127.0.0.1:0', smtps: '127.0.0.1:0' },
          lockout: { threshold: 3, intervalSeconds: 60 },
        },
        dir,
        [observer.plugin],
      );
      kernel = started.kernel;
      storage = started.storage;
      smtpPort = started.port('smtp');
      submissionPort = started.port('submission');
      smtpsPort = started.port('smtps');

      const directory = directorySetup(kernel.container);
      await directory.addDomain('example.org');
      await directory.addUser('alice@example.org', PASSWORD);
      await directory.addUser('blocked@example.org', PASSWORD);
      await directory.addUser('small@example.org', PASSWORD);
      await storage.accounts.setVars({ domain: 'example.org', name: 'small' }, [['MaxMBSize', '1']]);
      await directory.addUser('closed@example.org', PASSWORD);
      await directory.addUser(`guessed-${adapter}@example.org`, PASSWORD);
      await storage.accounts.setVars({ domain: 'example.org', name: 'closed' }, [['ReceiveEnable', '0']]);
    });

    after(async () => {
      await kernel?.stop();
      await testStorage?.cleanup();
      await rm(dir, { recursive: true, force: true });
    });

    /**
     * A client: without credentials in clear text; with credentials over STARTTLS (the server offers
     * no AUTH before it), or over implicit TLS. The server's self-signed certificate is verified.
     */
    const transport = (
      port: number,
      auth?: { user: string; pass: string },
      mode: 'plain' | 'starttls' | 'implicit' = auth ? 'starttls' : 'plain',
      localAddress?: string,
    ) =>
      nodemailer.createTransport({
        host: '127.0.0.1',
        port,
        localAddress,
        secure: mode === 'implicit',
        ignoreTLS: mode === 'plain',
        requireTLS: mode === 'starttls',
        tls: { ca: readFileSync(path.join(homePaths(dir).tls, 'self-signed.pem')), servername: 'localhost' },
        auth,
        authMethod: 'PLAIN',
      });

    it('delivers a message to a local INBOX with its bytes unchanged after the trace headers', async () => {
      const body = Buffer.from(
        [
          'From: Sender <sender@remote.test>',
          'To: Alice <alice@example.org>',
          'Subject: mail flow test',
          'Message-ID: <flow-1@remote.test>',
          'MIME-Version: 1.0',
          'Content-Type: text/plain; charset=utf-8',
          'Content-Transfer-Encoding: 8bit',
          '',
          'Grüße aus dem Test.',
          '.a line that starts with a dot',
          '',
        ].join('\r\n'),
      );
      const info = await transport(smtpPort).sendMail({
        envelope: { from: 'sender@remote.test', to: ['alice@example.org'] },
        raw: body,
      });
      assert.match(info.response, /^250 2\.6\.0 Ok: queued as \S+/);

      const delivery = await waitFor('the delivered hook', () =>
        observer.delivered.find((event) => event.recipient === 'alice@example.org'),
      );
      assert.match(delivery.destination, /^alice@example\.org\/INBOX/);

      const alice = { domain: 'example.org', name: 'alice' };
      const [message] = await storage.mail.listMessages(alice, 'INBOX');
      assert.ok(message, 'the message is in the INBOX');
      const stored = await readAll(await storage.blobs.openBlob(message.blobId));
      assert.equal(stored.length, message.size);
      assert.ok(
        stored.subarray(stored.length - body.length).equals(body),
        'the body follows the trace headers byte for byte',
      );
      const trace = stored.subarray(0, stored.length - body.length).toString('utf8');
      assert.match(
        trace,
        /^Return-Path: <sender@remote\.test>\r\nReceived: from \S+ \(\[127\.0\.0\.1\]\)\r\n\tby mx\.example\.org \(Mailwright\) with ESMTP id \S+\r\n\tfor <alice@example\.org>; .+ \+0000\r\n$/,
      );
      assert.equal(message.envelope.subject, 'mail flow test');
      assert.equal(message.envelope.messageId, '<flow-1@remote.test>');
      assert.equal(message.mime.contentType, 'text/plain');
      assert.equal(message.mime.bodyStart, trace.length + body.indexOf('\r\n\r\n') + 4);
    });

    it('refuses an unknown local user with 550 5.1.1', async () => {
      await assert.rejects(
        transport(smtpPort).sendMail({
          envelope: { from: 'sender@remote.test', to: ['nobody@example.org'] },
          raw: 'Subject: x\r\n\r\nx\r\n',
        }),
        (err) => {
          const { code, text } = smtpFailure(err);
          assert.equal(code, 550);
          assert.match(text, /^550 5\.1\.1 /);
          return true;
        },
      );
    });

    it('refuses relaying for an unauthenticated, untrusted client with 554 5.7.1', async () => {
      await assert.rejects(
        transport(smtpPort).sendMail({
          envelope: { from: 'sender@remote.test', to: ['bob@remote.test'] },
          raw: 'Subject: x\r\n\r\nx\r\n',
        }),
        (err) => {
          const { code, text } = smtpFailure(err);
          assert.equal(code, 554);
          assert.match(text, /^554 5\.7\.1 .*Relaying denied/);
          return true;
        },
      );
    });

    it('passes a hook rejection of one RCPT to the client', async () => {
      await assert.rejects(
        transport(smtpPort).sendMail({
          envelope: { from: 'sender@remote.test', to: ['blocked@example.org'] },
          raw: 'Subject: x\r\n\r\nx\r\n',
        }),
        (err) => {
          const { code, text } = smtpFailure(err);
          assert.equal(code, 550);
          assert.equal(text, '550 5.7.1 Blocked by test policy');
          return true;
        },
      );
    });

    it('requires AUTH on submission, refuses a wrong password with 535, and accepts AUTH PLAIN', async () => {
      await assert.rejects(
        transport(submissionPort).sendMail({
          envelope: { from: 'alice@example.org', to: ['alice@example.org'] },
          raw: 'Subject: x\r\n\r\nx\r\n',
        }),
        (err) => smtpFailure(err).code === 530,
      );
      await assert.rejects(
        transport(submissionPort, { user: 'alice@example.org', pass: 'wrong' }).sendMail({
          envelope: { from: 'alice@example.org', to: ['alice@example.org'] },
          raw: 'Subject: x\r\n\r\nx\r\n',
        }),
        (err) => {
          const { code, text } = smtpFailure(err);
          assert.equal(code, 535);
          assert.match(text, /^535 5\.7\.8 /);
          return true;
        },
      );
      const info = await transport(submissionPort, { user: 'alice@example.org', pass: PASSWORD }).sendMail({
        envelope: { from: 'alice@example.org', to: ['alice@example.org'] },
        raw: 'Subject: submitted\r\n\r\nhello\r\n',
      });
      assert.match(info.response, /^250 /);
      await waitFor('the second delivery to alice', async () => {
        const messages = await storage.mail.listMessages({ domain: 'example.org', name: 'alice' }, 'INBOX');
        return messages.find((message) => message.envelope.subject === 'submitted');
      });
    });

    it('answers 452 4.2.2 at RCPT once a mailbox is over quota, and 550 5.2.1 when it takes no mail', async () => {
      const small = { domain: 'example.org', name: 'small' };
      await transport(smtpPort).sendMail({
        envelope: { from: 'sender@remote.test', to: ['small@example.org'] },
        raw: `Subject: fills the 1 KB quota\r\n\r\n${'x'.repeat(2048)}\r\n`,
      });
      await waitFor(
        'the first delivery to small',
        async () => (await storage.mail.listMessages(small, 'INBOX')).length === 1 || undefined,
      );
      await assert.rejects(
        transport(smtpPort).sendMail({
          envelope: { from: 'sender@remote.test', to: ['small@example.org'] },
          raw: 'Subject: y\r\n\r\ny\r\n',
        }),
        (err) => {
          const { code, text } = smtpFailure(err);
          assert.equal(code, 452);
          assert.match(text, /^452 4\.2\.2 <small@example\.org>: mailbox full/);
          return true;
        },
      );
      await assert.rejects(
        transport(smtpPort).sendMail({
          envelope: { from: 'sender@remote.test', to: ['closed@example.org'] },
          raw: 'Subject: z\r\n\r\nz\r\n',
        }),
        (err) => smtpFailure(err).code === 550 && /^550 5\.2\.1 /.test(smtpFailure(err).text),
      );
      assert.equal((await storage.mail.listMessages(small, 'INBOX')).length, 1, 'nothing more was stored');
    });

    it('refuses a message over the size limit with 552 and stores nothing', async () => {
      const alice = { domain: 'example.org', name: 'alice' };
      const before = (await storage.mail.listMessages(alice, 'INBOX')).length;
      await assert.rejects(
        transport(smtpPort).sendMail({
          envelope: { from: 'sender@remote.test', to: ['alice@example.org'] },
          raw: `Subject: too big\r\n\r\n${'y'.repeat(76)}\r\n`.repeat(16_000),
        }),
        (err) => {
          const { code, text } = smtpFailure(err);
          assert.equal(code, 552);
          assert.match(text, /^552 5\.3\.4 /);
          return true;
        },
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal((await storage.mail.listMessages(alice, 'INBOX')).length, before);
    });

    it('locks an address out of SMTP AUTH after repeated failures, right password included', async () => {
      const attempt = (pass: string) =>
        transport(submissionPort, { user: `guessed-${adapter}@example.org`, pass }).sendMail({
          envelope: { from: `guessed-${adapter}@example.org`, to: ['alice@example.org'] },
          raw: 'Subject: guess\r\n\r\nx\r\n',
        });
      for (let i = 0; i < 3; i++)
        await assert.rejects(attempt(`wrong ${i}`), (err) => smtpFailure(err).code === 535);
      await assert.rejects(attempt(PASSWORD), (err) => {
        const { code, text } = smtpFailure(err);
        assert.equal(code, 535, 'locked out: refused like a wrong password');
        assert.match(text, /^535 5\.7\.8 /);
        return true;
      });
      const events = await storage.events.readEvents('Security', new Date(0));
      assert.ok(
        events.some(
          (e) =>
            e.type === 'Lockout' &&
            e.params.Mailbox === `guessed-${adapter}@example.org` &&
            e.params.Protocol === 'SMTP',
        ),
      );
      // Another account from the same address is not affected.
      const info = await transport(submissionPort, { user: 'alice@example.org', pass: PASSWORD }).sendMail({
        envelope: { from: 'alice@example.org', to: ['alice@example.org'] },
        raw: 'Subject: still fine\r\n\r\nx\r\n',
      });
      assert.match(info.response, /^250 /);
    });

    it('refuses AUTH before STARTTLS, and accepts it on the implicit-TLS smtps listener', async () => {
      // From 127.0.0.2: a client on the server's own address (127.0.0.1) is the same host, whose
      // plain-text AUTH is taken (plaintextAuth: trusted).
      await assert.rejects(
        transport(
          submissionPort,
          { user: 'alice@example.org', pass: PASSWORD },
          'plain',
          '127.0.0.2',
        ).sendMail({
          envelope: { from: 'alice@example.org', to: ['alice@example.org'] },
          raw: 'Subject: x\r\n\r\nx\r\n',
        }),
        (err) => smtpFailure(err).code === 538 || /AUTH/i.test(String(err)),
      );
      const info = await transport(
        smtpsPort,
        { user: 'alice@example.org', pass: PASSWORD },
        'implicit',
      ).sendMail({
        envelope: { from: 'alice@example.org', to: ['alice@example.org'] },
        raw: 'Subject: over smtps\r\n\r\nhello\r\n',
      });
      assert.match(info.response, /^250 /);
      await waitFor('the smtps delivery', async () => {
        const messages = await storage.mail.listMessages({ domain: 'example.org', name: 'alice' }, 'INBOX');
        return messages.find((message) => message.envelope.subject === 'over smtps');
      });
    });

    it('lets an authenticated user relay, and bounces a recipient whose domain does not exist', async () => {
      const info = await transport(submissionPort, { user: 'alice@example.org', pass: PASSWORD }).sendMail({
        envelope: { from: 'alice@example.org', to: ['bob@remote.test'] },
        raw: 'Subject: outbound\r\n\r\nhello\r\n',
      });
      assert.match(info.response, /^250 /);
      const bounce = await waitFor('the bounced hook', () =>
        observer.bounced.find((event) => event.recipient === 'bob@remote.test'),
      );
      assert.match(bounce.error, /^5\d\d 5\.\d\.\d /);
      assert.ok(!observer.delivered.some((event) => event.recipient === 'bob@remote.test'));
    });

    it('queues a message once when it is enqueued twice with the same dedupe key', async () => {
      const queue = kernel.container.resolve(DeliveryQueueToken);
      const alice = { domain: 'example.org', name: 'alice' };
      const body = 'Subject: deduplicated\r\n\r\nonce\r\n';
      const enqueue = async () => {
        const spooled = await spoolMessage(storage.blobs, {
          body: Readable.from([Buffer.from(body)]),
          received: {
            heloName: 'test',
            remoteAddress: '127.0.0.1',
            byHost: 'mx.example.org',
            protocol: 'local',
            id: 'x',
          },
        });
        const id = await queue.enqueue({
          mailFrom: '',
          recipients: ['alice@example.org'],
          ...spooled,
          dedupeKey: 'link/uidl-1',
        });
        return { id, blobId: spooled.blobId };
      };
      const first = await enqueue();
      const second = await enqueue();
      assert.equal(second.id, first.id);
      assert.equal(await storage.blobs.statBlob(second.blobId), null, 'the duplicate body was released');
      await waitFor(
        'the deduplicated delivery',
        async () =>
          (await storage.mail.listMessages(alice, 'INBOX')).some(
            (m) => m.envelope.subject === 'deduplicated',
          ) || undefined,
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      const copies = (await storage.mail.listMessages(alice, 'INBOX')).filter(
        (m) => m.envelope.subject === 'deduplicated',
      );
      assert.equal(copies.length, 1);
    });

    it('expands aliases and mailing lists at delivery: each member gets one copy', async () => {
      const alice = { domain: 'example.org', name: 'alice' };
      const small = { domain: 'example.org', name: 'small' };
      await storage.routes.addRoute({
        domain: 'example.org',
        local: 'sales-*',
        target: alice,
        origin: 'alias',
      });
      await storage.accounts.addAccount({
        domain: 'example.org',
        name: 'team',
        kind: 'list',
        credential: { scheme: 'none' },
        vars: [],
      });
      await storage.accounts.addMember(
        { domain: 'example.org', name: 'team' },
        { address: 'alice@example.org', perms: 'RW' },
      );
      await storage.accounts.setVars(small, []); // room again for the list copy
      await storage.accounts.addMember(
        { domain: 'example.org', name: 'team' },
        { address: 'small@example.org', perms: 'RW' },
      );
      await transport(smtpPort).sendMail({
        envelope: { from: 'sender@remote.test', to: ['sales-eu@example.org', 'team@example.org'] },
        raw: 'Subject: expanded\r\nMessage-ID: <expanded@remote.test>\r\n\r\nfor the team\r\n',
      });
      const copies = async (key: { domain: string; name: string }) =>
        (await storage.mail.listMessages(key, 'INBOX')).filter((m) => m.envelope.subject === 'expanded')
          .length;
      await waitFor('both copies for alice and the list copy for small', async () =>
        (await copies(alice)) === 2 && (await copies(small)) === 1 ? true : undefined,
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(await copies(alice), 2, 'one through the alias, one through the list');
      assert.equal(await copies(small), 1);
    });
  });
}
