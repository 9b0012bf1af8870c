import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { RetryScheduleToken } from '../../core/index.js';
import { directorySetup } from '../helpers/directory-setup.js';
import { mailprocPath } from '../../core/model/mail-root.js';
import { ADAPTER_NAMES, type AdapterName, type TestStorage } from '../helpers/adapters.js';
import { useAdapterInfra } from '../helpers/adapter-infra.js';
import { startQueueTestbed, waitFor, type QueueTestbed } from '../helpers/queue-testbed.js';
import { smtpExchange } from '../helpers/smtp-client.js';

/**
 * A next hop: a real smtp-server (STARTTLS off, so that what it is sent can be read) behind a TCP
 * proxy that records every byte the client writes, one string per connection. `dsn` decides whether
 * it advertises DSN; `down` answers 421 to the greeting; `refuse` answers 550 to matching RCPTs.
 */
class RecordingHop {
  readonly sessions: string[] = [];
  readonly messages: { rcptTo: string[]; data: string }[] = [];
  down = false;
  refuse: (address: string) => boolean = () => false;
  /** How long the reply to the final dot takes. */
  finalReplyDelayMs = 0;
  private readonly server: SMTPServer;
  private readonly proxy: Server;
  private readonly sockets = new Set<Socket>();

  constructor(dsn: boolean) {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      hideDSN: !dsn,
      logger: false,
      onConnect: (_session, callback) =>
        callback(
          this.down ? Object.assign(new Error('4.3.2 hop is down'), { responseCode: 421 }) : undefined,
        ),
      onRcptTo: (address, _session, callback) =>
        callback(
          this.refuse(address.address)
            ? Object.assign(new Error('5.7.1 relaying refused by this hop'), { responseCode: 550 })
            : undefined,
        ),
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          this.messages.push({
            rcptTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            data: Buffer.concat(chunks).toString('utf8'),
          });
          setTimeout(callback, this.finalReplyDelayMs);
        });
      },
    });
    this.server.on('error', () => undefined);
    this.proxy = createServer((client) => {
      const index = this.sessions.push('') - 1;
      const upstream = connect((this.server.server.address() as AddressInfo).port, '127.0.0.1');
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => this.sockets.delete(socket));
      }
      client.on('data', (chunk: Buffer) => (this.sessions[index] += chunk.toString('latin1')));
      client.pipe(upstream).pipe(client);
    });
  }

  /** Listens on `host:port` (0: any) and resolves with the port. */
  async listen(host: string, port = 0): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return new Promise((resolve, reject) => {
      this.proxy.once('error', reject);
      this.proxy.listen(port, host, () => resolve((this.proxy.address() as AddressInfo).port));
    });
  }

  /** Every command line the client sent that starts with `verb`, over all sessions. */
  lines(verb: string): string[] {
    return this.sessions.flatMap((session) =>
      session.split('\r\n').filter((line) => line.toUpperCase().startsWith(verb.toUpperCase())),
    );
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.proxy.close(() => resolve()));
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * Submits a message to Mailwright in plain SMTP, each RCPT with its own parameters (nodemailer's
 * client applies one NOTIFY to all), and resolves with the reply to the final dot.
 */
async function submit(port: number, mail: string, rcpts: string[], body: string): Promise<string> {
  const commands = [
    'EHLO client.example.org',
    `MAIL FROM:${mail}`,
    ...rcpts.map((rcpt) => `RCPT TO:${rcpt}`),
    'DATA',
    `${body.replace(/\r\n$/, '')}\r\n.`,
    'QUIT',
  ];
  const replies = await smtpExchange(port, '127.0.0.3', commands);
  assert.deepEqual(
    replies.map((line) => line.slice(0, 3)),
    ['220', '250', '250', ...rcpts.map(() => '250'), '354', '250', '221'],
    replies.join('\n'),
  );
  return replies.at(-2)!;
}

const message = (subject: string): string =>
  `From: alice@example.org\r\nTo: someone@dsn.test\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '-')}@example.org>\r\n\r\nHello from the relay test.\r\n`;

/** The reports in alice's mailbox that mention `text`. */
async function reportsAbout(bed: QueueTestbed, text: string): Promise<string[]> {
  return (await bed.inbox('alice')).map((m) => m.toString('utf8')).filter((m) => m.includes(text));
}

const infra = useAdapterInfra('remote-relay');

for (const adapter of ADAPTER_NAMES) describeRemoteRelay(adapter);

function describeRemoteRelay(adapter: AdapterName): void {
  describe(`remote relay on the ${adapter} storage adapter: smtprelay routes, DSN parameters to the next hop`, () => {
    let bed: QueueTestbed;
    let testStorage: TestStorage;
    // MX hosts of dsn.test (advertises DSN) and plain.test (does not), on the bed's SMTP port.
    const dsnHop = new RecordingHop(true);
    const plainHop = new RecordingHop(false);
    // Relays, each on its own address and port: A is down, B takes everything, C refuses everyone.
    const relayA = new RecordingHop(true);
    const relayB = new RecordingHop(true);
    const relayC = new RecordingHop(true);
    const relay = { a: '', b: '', c: '' };
    // MX host of slow.test: answers the final dot after 2.5 s, past the command timeout.
    const slowHop = new RecordingHop(false);

    before(async () => {
      testStorage = await infra().storages.open(adapter);
      bed = await startQueueTestbed(
        `remote-relay-${adapter}`,
        {
          dns: {
            mx: {
              'dsn.test': [{ exchange: '127.0.0.4', priority: 10 }],
              'plain.test': [{ exchange: '127.0.0.5', priority: 10 }],
              'slow.test': [{ exchange: '127.0.0.9', priority: 10 }],
            },
            a: {},
          },
          // The firewall is the plain host: an smtprelay route must never fall back to it.
          firewallHost: '127.0.0.5',
          // Short command replies, a longer wait for the reply to the final dot (slowHop).
          timeouts: { command: 1, dataEnd: 6 },
        },
        { storage: testStorage.url, redis: infra().redis },
      );
      await dsnHop.listen('127.0.0.4', bed.port);
      await plainHop.listen('127.0.0.5', bed.port);
      await slowHop.listen('127.0.0.9', bed.port);
      slowHop.finalReplyDelayMs = 2500;
      relay.a = `127.0.0.6:${await relayA.listen('127.0.0.6')}`;
      relay.b = `127.0.0.7:${await relayB.listen('127.0.0.7')}`;
      relay.c = `127.0.0.8:${await relayC.listen('127.0.0.8')}`;
      relayA.down = true;
      relayC.refuse = () => true;
      const directory = directorySetup(bed.kernel.container);
      const relayThrough = async (name: string, relays: string): Promise<void> => {
        await directory.addUser(`${name}@example.org`, `${name} password`);
        await bed.storage.files.writeFile(
          mailprocPath({ domain: 'example.org', name }, 'user'),
          Buffer.from(`"smtprelay"\t"${relays}"\n`),
        );
      };
      await relayThrough('via-a-then-b', `${relay.a};${relay.b}`);
      await relayThrough('via-b-then-a', `${relay.b};${relay.a}`);
      await relayThrough('via-c-then-b', `${relay.c};${relay.b}`);
      await relayThrough('via-c-only', relay.c);
      await relayThrough('via-a-only', relay.a);
    });
    after(async () => {
      await bed?.close();
      await Promise.all([dsnHop, plainHop, slowHop, relayA, relayB, relayC].map((hop) => hop.close()));
      await testStorage?.cleanup();
    });

    it('passes each recipient its own NOTIFY and ORCPT, and reports success only where the next hop cannot', async () => {
      const reply = await submit(
        bed.port,
        '<alice@example.org> RET=HDRS ENVID=env+2B42',
        [
          '<ann@dsn.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;orig+2Bann@example.net',
          '<bob@dsn.test> NOTIFY=FAILURE',
          '<cat@dsn.test>',
          '<dan@plain.test> NOTIFY=SUCCESS ORCPT=rfc822;dan@example.net',
        ],
        message('dsn params'),
      );
      assert.match(reply, /^250 /);
      await waitFor('three transactions at the DSN host', () => dsnHop.messages.length >= 3);
      await waitFor('the message at the plain host', () => plainHop.messages.length >= 1);

      assert.deepEqual(
        dsnHop.lines('RCPT TO:'),
        [
          'RCPT TO:<ann@dsn.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;orig+2Bann@example.net',
          'RCPT TO:<bob@dsn.test> NOTIFY=FAILURE',
          'RCPT TO:<cat@dsn.test>',
        ],
        'one transaction per NOTIFY/ORCPT set, ORCPT xtext-encoded as received',
      );
      assert.equal(dsnHop.sessions.length, 1, 'all on one connection');
      assert.equal(dsnHop.lines('RSET').length >= 2, true, 'each further transaction starts clean');
      for (const mail of dsnHop.lines('MAIL FROM:')) {
        assert.match(mail, /^MAIL FROM:<alice@example\.org> .*RET=HDRS ENVID=env\+2B42/);
      }
      assert.deepEqual(
        dsnHop.messages.map((m) => m.rcptTo),
        [['ann@dsn.test'], ['bob@dsn.test'], ['cat@dsn.test']],
      );
      // No DSN at the plain host: no DSN parameters on its envelope.
      assert.deepEqual(plainHop.lines('RCPT TO:'), ['RCPT TO:<dan@plain.test>']);
      assert.doesNotMatch(plainHop.lines('MAIL FROM:')[0], /RET=|ENVID=/);

      const [report] = await waitFor('the relayed report', async () => {
        const reports = await reportsAbout(bed, 'dan@plain.test');
        return reports.length > 0 && reports;
      });
      assert.match(report, /^Original-Envelope-Id: env\+42\r$/m);
      assert.match(report, /^Original-Recipient: rfc822;dan@example\.net\r$/m);
      assert.match(report, /^Final-Recipient: rfc822; dan@plain\.test\r$/m);
      assert.match(report, /^Action: relayed\r$/m);
      assert.match(report, /^Remote-MTA: dns; 127\.0\.0\.5\r$/m);
      assert.doesNotMatch(report, /ann@dsn\.test/, 'the DSN host reports success for ann itself');
      assert.equal((await reportsAbout(bed, 'ann@dsn.test')).length, 0);
    });

    it('sends an smtprelay recipient through its relays in order, past one that is down', async () => {
      const connectionsToA = relayA.sessions.length;
      const reply = await bed.send(
        'alice@example.org',
        ['via-a-then-b@example.org', 'via-b-then-a@example.org'],
        message('relay order'),
      );
      assert.match(reply, /^250 /);
      const atB = await waitFor('both at relay B', () => {
        const got = relayB.messages.filter((m) => m.data.includes('Subject: relay order'));
        return got.length >= 2 && got;
      });
      assert.deepEqual(
        atB.map((m) => m.rcptTo).sort(),
        [['via-a-then-b@example.org'], ['via-b-then-a@example.org']],
        'one transaction per relay list',
      );
      // A was tried once (for the list that starts with it) and answered 421; B first needs no A.
      assert.equal(relayA.sessions.length, connectionsToA + 1);
      assert.equal(relayA.messages.length, 0);
      assert.ok(
        [dsnHop, plainHop].every((hop) =>
          hop.messages.every((m) => !m.data.includes('Subject: relay order')),
        ),
      );
      assert.equal(
        bed.up.messages.filter((m) => m.data.toString().includes('Subject: relay order')).length,
        0,
      );
      await waitFor(
        'delivered hooks naming relay B',
        () => bed.hooks.delivered.filter((e) => e.destination === 'smtp:127.0.0.7').length >= 2,
      );
    });

    it('moves a recipient a relay refuses on to the next relay, and fails it when the last one refuses', async () => {
      await bed.send(
        'alice@example.org',
        ['via-c-then-b@example.org', 'via-c-only@example.org'],
        message('relay refusal'),
      );
      const atB = await waitFor('relay B to take the one C refused', () =>
        relayB.messages.find((m) => m.data.includes('Subject: relay refusal')),
      );
      assert.deepEqual(atB.rcptTo, ['via-c-then-b@example.org']);
      assert.deepEqual(relayC.lines('RCPT TO:<via-c').sort(), [
        'RCPT TO:<via-c-only@example.org>',
        'RCPT TO:<via-c-then-b@example.org>',
      ]);
      const [report] = await waitFor('the failure report', async () => {
        const reports = await reportsAbout(bed, 'via-c-only@example.org');
        return reports.length > 0 && reports;
      });
      assert.match(report, /^Action: failed\r$/m);
      assert.match(report, /^Status: 5\.7\.1\r$/m);
      assert.match(report, /^Remote-MTA: dns; 127\.0\.0\.8\r$/m);
      assert.doesNotMatch(report, /via-c-then-b/);
    });

    it('keys the retry state of a relay list that is down by its relays, not by the domain', async () => {
      const start = Date.now();
      const before = relayA.sessions.length;
      await bed.send('alice@example.org', ['via-a-only@example.org'], message('relay down'));
      const retry = bed.kernel.container.resolve(RetryScheduleToken);
      const state = await waitFor('retry state of relay A', () => retry.get(relay.a));
      assert.ok(state.retryTime.getTime() > start);
      assert.equal(await retry.get('example.org'), null, "the recipient domain's own state is untouched");
      assert.ok(relayA.sessions.length > before);
      // No firewall and no MX fallback for an smtprelay route: nothing went anywhere else.
      for (const hop of [relayB, plainHop, dsnHop]) {
        assert.equal(hop.messages.filter((m) => m.data.includes('Subject: relay down')).length, 0);
      }
    });

    it('waits for the reply to the final dot longer than for other replies (RFC 5321 §4.5.3.2.6)', async () => {
      await bed.send('alice@example.org', ['eve@slow.test'], message('slow final reply'));
      const delivered = await waitFor(
        'the delivered hook after the slow reply',
        () => bed.hooks.delivered.find((e) => e.recipient === 'eve@slow.test'),
        10_000,
      );
      assert.equal(
        delivered.destination,
        'smtp:127.0.0.9',
        'by the slow host, not the firewall after a timeout',
      );
      assert.equal(slowHop.messages.length, 1, 'sent once, not again after a timeout');
      assert.equal(bed.hooks.deferred.filter((e) => e.recipient === 'eve@slow.test').length, 0);
    });
  });
}
