import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { Storage } from '../../core/index.js';
import {
  CredentialService,
  DeliveryExpander,
  DeliveryPolicy,
  createAdminServices,
  DirectoryService,
  mailprocPath,
  type AdminServices,
  SecretBox,
  spoolMessage,
  type DeliveryAction,
  type ExpansionRequest,
} from '../../core/index.js';
import { Router } from '../../core/routing/router.js';
import { createStorage } from '../../storage-adapters/file/index.js';

const BODY = Buffer.from(
  'Subject: hello\r\nMessage-ID: <m1@test>\r\n\r\nline one\r\n.dot line\r\n\u00e9t\u00e9\r\n',
  'utf8',
);

describe('delivery expansion', () => {
  let dir: string;
  let scripts: string;
  let mproc: string;
  let storage: Storage;
  let admin: AdminServices;
  let expander: DeliveryExpander;
  const problems: string[] = [];

  const request = (recipient: string, extra: Partial<ExpansionRequest> = {}): ExpansionRequest => ({
    mailFrom: 'sender@outside.test',
    recipient,
    size: BODY.length,
    openBody: () => Promise.resolve(Readable.from([BODY])),
    queueId: 'Q123',
    ...extra,
  });
  const expand = (recipient: string, extra: Partial<ExpansionRequest> = {}): Promise<DeliveryAction[]> =>
    expander.expand(request(recipient, extra));
  const store = (
    name: string,
    domain = 'example.org',
    returnPath = 'sender@outside.test',
  ): DeliveryAction => ({
    kind: 'store',
    account: { domain, name },
    folder: 'INBOX',
    returnPath,
  });
  const forward = (to: string, mailFrom = 'sender@outside.test'): DeliveryAction => ({
    kind: 'forward',
    to,
    mailFrom,
  });
  const setMailproc = async (user: string, lines: string[][], scope: 'user' | 'domain' = 'user') =>
    admin.files.writeFile(
      mailprocPath({ domain: 'example.org', name: user }, scope),
      Buffer.from(lines.map((fields) => fields.map((f) => `"${f}"`).join('\t')).join('\n') + '\n'),
    );
  const script = async (name: string, body: string): Promise<string> => {
    const file = path.join(scripts, name);
    await writeFile(file, `#!/bin/sh\n${body}\n`);
    await chmod(file, 0o755);
    return file;
  };

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'mw-expand-'));
    scripts = await mkdtemp(path.join(tmpdir(), 'mw-expand-scripts-'));
    mproc = await mkdtemp(path.join(tmpdir(), 'mw-expand-mproc-'));
    storage = createStorage(`file:${dir}`);
    await storage.open();
    const secrets = await SecretBox.forHome(dir);
    const router = new Router(new DirectoryService(storage));
    admin = createAdminServices(storage, router, new CredentialService(secrets, false), secrets);
    expander = new DeliveryExpander(storage, router, {
      tmpDir: mproc,
      onCommandProblem: (p) => problems.push(p.problem),
    });
    await admin.domains.add('example.org');
    await admin.domains.add('other.org');
    await admin.domains.addAlias('example.org', '*.example.com');
    await admin.domains.addAlias('example.org', 'eu.example.com');
    for (const user of ['alice', 'bob', 'carol', 'dave', 'erin', 'full', 'closed', 'proc', 'filt', 'ext']) {
      await admin.accounts.add('example.org', user, 'pw');
    }
    await admin.accounts.add('example.org', 'team', '', 'list');
    await admin.accounts.add('example.org', 'board', '', 'list');
  });

  after(async () => {
    await Promise.all([dir, scripts, mproc].map((d) => rm(d, { recursive: true, force: true })));
  });

  it('stores for a user, maps the sender through external aliases, rejects unknown users, passes remote ones on', async () => {
    assert.deepEqual(await expand('Alice@EXAMPLE.org'), [store('alice')]);
    await admin.routes.addExternalAlias('bob@example.org', 'bob.home@outside.test');
    assert.deepEqual(await expand('alice@example.org', { mailFrom: 'Bob.Home@outside.test' }), [
      store('alice', 'example.org', 'bob@example.org'),
    ]);
    const [unknown] = await expand('nobody@example.org');
    assert.equal(unknown.kind === 'reject' && `${unknown.code} ${unknown.permanent}`, '550 true');
    assert.deepEqual(await expand('x@elsewhere.test'), [{ kind: 'remote', address: 'x@elsewhere.test' }]);
  });

  it('routes wildcard aliases through wildcard alias domains: exact beats wildcard, longest match wins', async () => {
    await admin.routes.addAlias('example.org', 'sales-*', 'alice');
    await admin.routes.addAlias('example.org', 'sales-eu-*', 'carol');
    await admin.routes.addAlias('example.org', 'sales-eu-de', 'bob');
    assert.deepEqual(await expand('sales-us@mail.example.com'), [store('alice')]);
    assert.deepEqual(await expand('sales-eu-fr@eu.example.com'), [store('carol')]);
    assert.deepEqual(await expand('sales-eu-de@x.example.com'), [store('bob')]);
  });

  it('follows AltaVista usernames with a leading * into the redirection, with the ReportTarget rule', async () => {
    await storage.routes.addRoute({
      domain: '*',
      local: '*-list',
      target: { domain: 'example.org', name: 'dave' },
      redirect: '*@lists.example.net',
      origin: 'username',
    });
    assert.deepEqual(await expand('golf-list@other.org'), [forward('golf@lists.example.net')]);
    assert.deepEqual(
      await expand('-list@other.org'),
      [forward('@lists.example.net')],
      'the * matches the empty string',
    );
    await storage.accounts.setAttributes({ domain: 'example.org', name: 'dave' }, [
      ['ReportTarget', ['owner@example.org']],
    ]);
    assert.deepEqual(await expand('golf-list@other.org'), [
      forward('golf@lists.example.net', 'owner@example.org'),
    ]);
    assert.deepEqual(await expand('golf-list@other.org', { mailFrom: '' }), [
      forward('golf@lists.example.net', ''),
    ]);
  });

  it('redirects to DefaultRedirection, ahead of the mailbox', async () => {
    await storage.accounts.setAttributes({ domain: 'example.org', name: 'erin' }, [
      ['DefaultRedirection', ['erin@elsewhere.test']],
    ]);
    assert.deepEqual(await expand('erin@example.org'), [forward('erin@elsewhere.test')]);
  });

  it('expands lists to members with R, and a closed list only takes posts from W senders or A auth users', async () => {
    await admin.lists.addMember('example.org', 'team', 'm1@outside.test', 'RW');
    await admin.lists.addMember('example.org', 'team', 'm2@outside.test', 'W');
    await admin.lists.addMember('example.org', 'team', 'alice@example.org', 'RA');
    assert.deepEqual(await expand('team@example.org'), [
      forward('m1@outside.test'),
      forward('alice@example.org'),
    ]);

    await admin.accounts.setVars('example.org', 'team', [
      ['ClosedML', '1'],
      ['ListSender', 'team-owner@example.org'],
    ]);
    const [refused] = await expand('team@example.org');
    assert.equal(refused.kind === 'reject' && refused.code, 550);
    const fromW = await expand('team@example.org', { mailFrom: 'M2@outside.test' });
    assert.deepEqual(fromW, [
      forward('m1@outside.test', 'team-owner@example.org'),
      forward('alice@example.org', 'team-owner@example.org'),
    ]);
    const fromA = await expand('team@example.org', {
      mailFrom: 'someone@else.test',
      authUser: 'alice@example.org',
    });
    assert.equal(fromA.length, 2);
    const [aNeedsAuth] = await expand('team@example.org', { mailFrom: 'alice@example.org' });
    assert.equal(aNeedsAuth.kind, 'reject', 'A is checked on the authenticated user, not MAIL FROM');
    assert.deepEqual(await expand('team@example.org', { mailFrom: '', authUser: 'alice@example.org' }), [
      forward('m1@outside.test', ''),
      forward('alice@example.org', ''),
    ]);
  });

  it('runs custom domain files, most specific first: a.b.c, .b.c, .c, then the catch-all', async () => {
    await admin.files.writeFile(
      admin.files.customDomainTarget('.b.test'),
      Buffer.from('"redirect"\t"alice@example.org"\t"copies.test"\n"smtprelay"\t"relay1:2525;relay2"\n'),
    );
    await admin.files.writeFile(
      admin.files.customDomainTarget('a.b.test'),
      Buffer.from('"lredirect"\t"bob@example.org"\n"smtp"\n'),
    );
    assert.deepEqual(await expand('joe@x.b.test'), [
      forward('alice@example.org'),
      forward('joe@copies.test'),
      { kind: 'remote', address: 'joe@x.b.test', relay: ['relay1:2525', 'relay2'] },
    ]);
    assert.deepEqual(await expand('joe@a.b.test'), [
      forward('bob@example.org', 'joe@a.b.test'),
      { kind: 'remote', address: 'joe@a.b.test' },
    ]);
    assert.deepEqual(await expand('joe@c.test'), [{ kind: 'remote', address: 'joe@c.test' }]);
    await admin.files.writeFile(
      admin.files.customDomainTarget('.test'),
      Buffer.from('# everything else\n"smtp"\n"mailbox"\n'),
    );
    problems.length = 0;
    assert.deepEqual(await expand('joe@c.test'), [{ kind: 'remote', address: 'joe@c.test' }]);
    assert.deepEqual(problems, ['"mailbox" is only valid in a mailproc.tab']);
    await admin.files.deleteFile(admin.files.customDomainTarget('.test'));
  });

  it('runs the domain and user mailproc.tab: mailbox, redirect (domain form), lredirect', async () => {
    await setMailproc('proc', [
      ['mailbox'],
      ['redirect', 'copies.test', 'x@y.test'],
      ['lredirect', 'z@y.test'],
    ]);
    assert.deepEqual(await expand('proc@example.org'), [
      store('proc'),
      forward('proc@copies.test'),
      forward('x@y.test'),
      forward('z@y.test', 'proc@example.org'),
    ]);
  });

  it('honours ReceiveEnable, MaxMessageSize and MaxMBSize, at RCPT time too', async () => {
    const policy = new DeliveryPolicy(storage.mail);
    await admin.accounts.setVars('example.org', 'carol', [['ReceiveEnable', '0']]);
    const [disabled] = await expand('carol@example.org');
    assert.equal(disabled.kind === 'reject' && `${disabled.code} ${disabled.text.slice(0, 5)}`, '550 5.2.1');

    await admin.accounts.setVars('example.org', 'full', [
      ['MaxMessageSize', '1'],
      ['MaxMBSize', '1'],
    ]);
    const [tooBig] = await expand('full@example.org', { size: 2000 });
    assert.equal(tooBig.kind === 'reject' && tooBig.code, 552);
    assert.deepEqual(await expand('full@example.org'), [store('full')]);

    const spooled = await spoolMessage(storage.blobs, {
      body: Readable.from([Buffer.from('Subject: big\r\n\r\n' + 'x'.repeat(1100) + '\r\n')]),
      received: { heloName: 'h', remoteAddress: '127.0.0.1', byHost: 'mw', protocol: 'ESMTP', id: 'i1' },
    });
    await storage.mail.append({ domain: 'example.org', name: 'full' }, 'INBOX', {
      ...spooled,
      internalDate: new Date(),
      flags: [],
    });
    const [overQuota] = await expand('full@example.org');
    assert.deepEqual(overQuota, {
      kind: 'reject',
      code: 552,
      text: '5.2.2 <full@example.org>: mailbox full',
      permanent: true,
    });
    const account = await admin.accounts.find('example.org', 'full');
    assert.deepEqual(await policy.checkStore(account, 'rcpt'), {
      kind: 'reject',
      code: 452,
      text: '4.2.2 <full@example.org>: mailbox full, try again later',
      permanent: false,
    });
  });

  it('runs filters with XMail exit codes: 4/5 drop, 6 rejects with the .rej text, 16 stops, and removes @@FILE', async () => {
    const exit = (code: number) => script(`exit${code}.sh`, `exit ${code}`);
    const rejecting = await script('reject.sh', 'echo "we do not want this" > "$1.rej"\nexit 6');
    await setMailproc('filt', [['filter', '0', '5', await exit(4), '@@FILE'], ['mailbox']]);
    const [dropped, ...rest] = await expand('filt@example.org');
    assert.equal(dropped.kind, 'discard');
    assert.equal(rest.length, 0, 'nothing runs after a drop');

    await setMailproc('filt', [['filter', '0', '5', rejecting, '@@FILE'], ['mailbox']]);
    assert.deepEqual(await expand('filt@example.org'), [
      { kind: 'reject', code: 554, text: '5.7.1 <filt@example.org>: we do not want this', permanent: true },
    ]);

    await setMailproc('filt', [
      ['filter', '0', '5', await exit(0)],
      ['filter', '0', '5', await exit(16)],
      ['mailbox'],
    ]);
    assert.deepEqual(await expand('filt@example.org'), [
      { kind: 'discard', reason: `handled by domains/example.org/filt/mailproc.tab` },
    ]);
    assert.deepEqual(await readdir(mproc), [], 'temp files are gone');
  });

  it('runs external commands with macros, hands them the exact message bytes, and survives a timeout', async () => {
    const out = path.join(scripts, 'copy.eml');
    const args = path.join(scripts, 'args.txt');
    const copier = await script(
      'copy.sh',
      `cp "$1" "${out}"\nprintf '%s|%s|%s|%s' "$2" "$3" "$4" "$5" > "${args}"`,
    );
    const sleeper = await script('sleep.sh', 'sleep 30');
    await setMailproc('ext', [
      ['external', '0', '1', sleeper],
      ['external', '0', '10', copier, '@@FILE', '@@FROM', '@@RCPT', '@@RRCPT', 'id=@@MSGID@@NOPE'],
      ['mailbox'],
    ]);
    problems.length = 0;
    const started = Date.now();
    assert.deepEqual(await expand('ext@mail.example.com'), [store('ext')]);
    assert.ok(Date.now() - started < 5000, 'the sleeper was killed after its 1 s timeout');
    assert.equal(problems.length, 1);
    assert.match(problems[0], /did not finish in time/);
    assert.deepEqual(await readFile(out), BODY);
    assert.equal(
      await readFile(args, 'utf8'),
      'sender@outside.test|ext@mail.example.com|ext@example.org|id=Q123',
    );
    assert.deepEqual(await readdir(mproc), []);

    const stopper = await script('stop.sh', 'exit 16');
    await setMailproc('ext', [['external', '0', '5', stopper], ['mailbox']]);
    assert.deepEqual(await expand('ext@example.org'), [
      { kind: 'discard', reason: 'handled by domains/example.org/ext/mailproc.tab' },
    ]);
  });
});
