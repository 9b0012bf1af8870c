/**
 * The storage contract against the file adapter (a temp dir per section), plus a crash test: a
 * child process writing tables and messages is SIGKILLed mid-write many times, and afterwards
 * every table still parses, no file is torn, and every append the child saw resolve is readable
 * with the right bytes.
 *
 * The crash test's child is this same file run with MW_FILE_CRASH_CHILD=<root> (see crashChild).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFile, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Storage } from '../../core/ports/index.js';
import { createStorage } from '../../storage-adapters/file/index.js';
import { formatRow } from '../../storage-adapters/file/tab.js';
import { newMessage } from '../helpers/messages.js';
import { describeStorageContract } from './storage-contract.js';

/** rm(1) removes the 100,000-account tree several times faster than fs.rm. */
const removeTree = async (dir: string): Promise<void> => {
  await promisify(execFile)('rm', ['-rf', dir]);
};

/** The sizes of every file under `dir`. */
async function treeBytes(dir: string): Promise<number> {
  let bytes = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) bytes += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return bytes;
}

const crashRoot = process.env.MW_FILE_CRASH_CHILD;
if (crashRoot) {
  crashChild(crashRoot).catch((err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
} else {
  let currentRoot = '';
  describeStorageContract(
    'file',
    async () => {
      const root = await mkdtemp(path.join(os.tmpdir(), 'mw-file-contract-'));
      currentRoot = root;
      return {
        storage: createStorage(`file:${root}`),
        cleanup: () => removeTree(root),
        storedBytes: () => treeBytes(root),
      };
    },
    { childProcessUrl: () => `file:${currentRoot}` },
  );
  describeCrashTest();
  describeSymlinkConfinement();
  describeOldFolderRows();
}

/**
 * Folder journals written before structures moved beside the body carry each message's structure
 * in its row; those messages keep it, beside messages whose structure is the body's.
 */
function describeOldFolderRows(): void {
  describe('file adapter: folder rows that carry their own MIME structure', () => {
    it('lists such a message with its own structure, and the others with their body’s', async () => {
      const root = await mkdtemp(path.join(os.tmpdir(), 'mw-file-oldrows-'));
      const storage = createStorage(`file:${root}`);
      try {
        await storage.open();
        const owner = { domain: 'old.test', name: 'alice' };
        await storage.domains.addDomain(owner.domain);
        await storage.accounts.addAccount({
          ...owner,
          kind: 'user',
          credential: { scheme: 'none' },
          vars: [],
        });
        const blob = await storage.blobs.putBlob(Readable.from([Buffer.from('Subject: old\r\n\r\nx\r\n')]));
        await storage.mail.append(owner, 'INBOX', newMessage(blob, { envelope: { subject: 'shared' } }));
        const own = newMessage(blob, { envelope: { subject: 'its own' } });
        const date = own.internalDate.toISOString();
        await storage.blobs.addBlobRef(blob.id); // the old row's reference
        const row = [
          'A',
          2,
          99,
          blob.id,
          blob.size,
          date,
          '',
          JSON.stringify(own.mime),
          JSON.stringify(own.envelope),
        ];
        await appendFile(
          path.join(root, 'domains', 'old.test', 'alice', 'folders', 'INBOX.tab'),
          formatRow(row),
        );
        const listed = await storage.mail.listMessages(owner, 'INBOX');
        assert.deepEqual(
          listed.map((m) => [m.uid, m.envelope.subject]),
          [
            [1, 'shared'],
            [2, 'its own'],
          ],
        );
      } finally {
        await storage.close();
        await removeTree(root);
      }
    });
  });
}

/**
 * Paths from clients are checked lexically by the core (no `..`); what only the file adapter can
 * meet is a symlink under the mail root that leads out of it. Every FileTree access through one
 * is refused, whether the link is a directory on the way or the file itself.
 */
function describeSymlinkConfinement(): void {
  describe('file adapter: FileTree stays inside the mail root', () => {
    let root: string;
    let outside: string;
    let storage: Storage;

    before(async () => {
      root = await mkdtemp(path.join(os.tmpdir(), 'mw-file-confine-'));
      outside = await mkdtemp(path.join(os.tmpdir(), 'mw-file-outside-'));
      await writeFile(path.join(outside, 'secret.tab'), 'top secret\n');
      storage = createStorage(`file:${root}`);
      await storage.open();
      await storage.files.writeFile('inside/ok.tab', Buffer.from('fine\n'));
      await symlink(outside, path.join(root, 'inside', 'away'));
      await symlink(path.join(outside, 'secret.tab'), path.join(root, 'inside', 'secret.tab'));
    });
    after(async () => {
      await storage?.close();
      await removeTree(root);
      await removeTree(outside);
    });

    it('reads a file inside, and nothing (null) for a file that does not exist', async () => {
      assert.equal((await storage.files.readFile('inside/ok.tab'))?.toString(), 'fine\n');
      assert.equal(await storage.files.readFile('inside/missing.tab'), null);
      assert.equal(await storage.files.readFile('nowhere/missing.tab'), null);
    });

    it('refuses a file reached through a symlinked directory or itself a symlink out of the root', async () => {
      for (const rel of ['inside/away/secret.tab', 'inside/secret.tab']) {
        await assert.rejects(storage.files.readFile(rel), { name: 'InvalidNameError' }, rel);
      }
      await assert.rejects(storage.files.listFiles('inside/away'), { name: 'InvalidNameError' });
      await assert.rejects(storage.files.writeFile('inside/away/new.tab', Buffer.from('x')), {
        name: 'InvalidNameError',
      });
      assert.deepEqual(await readdir(outside), ['secret.tab'], 'nothing was written outside');
    });
  });
}

const account = { domain: 'crash.test', name: 'writer' };

/** The body of message `tag-i`: deterministic, 1 to ~300 KB, so the parent can recompute it. */
function bodyOf(tag: string): Buffer {
  const seed = createHash('sha256').update(tag).digest();
  const size = 1 + (seed.readUInt32BE(0) % 300_000);
  const out = Buffer.alloc(size);
  for (let at = 0, block = seed; at < size; at += block.length) {
    block = createHash('sha256').update(block).digest();
    block.copy(out, at);
  }
  return out;
}

/** Writes forever (until killed): table rows, account journal rows, events and messages. */
async function crashChild(root: string): Promise<void> {
  const s = createStorage(`file:${root}`);
  await s.open();
  const run = process.pid;
  for (let i = 0; ; i++) {
    const tag = `${run}-${i}`;
    await s.routes.addRoute({ domain: 'crash.test', local: `r${tag}`, target: account, origin: 'alias' });
    await s.admins.putAdmin({
      name: `admin${i % 5}`,
      secret: tag,
      privileges: ['all'],
      createdAt: new Date(),
    });
    await s.accounts.addAccount({
      domain: 'crash.test',
      name: `u${tag}`,
      kind: 'user',
      credential: { scheme: 'none' },
      vars: [['RealName', tag]],
    });
    await s.accounts.setVars(account, [['Last', tag]]);
    await s.events.appendEvent({ log: 'Crash', type: 'Write', text: tag, params: {} });
    const body = bodyOf(tag);
    const blob = await s.blobs.putBlob(Readable.from([body.subarray(0, 1000), body.subarray(1000)]));
    const meta = await s.mail.append(
      account,
      'INBOX',
      newMessage(blob, { envelope: { messageId: `<${tag}@crash>` } }),
    );
    process.stdout.write(`appended ${meta.uid} ${tag}\n`);
    await s.blobs.releaseBlob(blob.id);
    if (i % 7 === 6) await s.routes.deleteRoute('crash.test', `r${tag}`);
  }
}

/** Runs one child until it has appended at least once, lets it run a little more, then kills it. */
async function runAndKill(root: string, script: string): Promise<{ uid: number; tag: string }[]> {
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, MW_FILE_CRASH_CHILD: root },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const deadline = Date.now() + 20_000;
  while (!out.includes('appended') && child.exitCode === null && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.equal(child.exitCode, null, `crash child died on its own: ${err}`);
  assert.ok(out.includes('appended'), `crash child never appended: ${err}`);
  await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 150)));
  child.kill('SIGKILL');
  await exited;
  return out
    .split('\n')
    .filter((l) => l.startsWith('appended '))
    .map((l) => {
      const [, uid, tag] = l.split(' ');
      return { uid: Number(uid), tag };
    });
}

/** A TAB line: fields quoted (with escapes) or bare, separated by single TABs. */
const TAB_LINE = /^("(?:[^"\\]|\\.)*"|[^\t"]*)(\t("(?:[^"\\]|\\.)*"|[^\t"]*))*$/;

async function* tabFiles(dir: string): AsyncIterable<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* tabFiles(full);
    else if (entry.name.endsWith('.tab')) yield full;
  }
}

function describeCrashTest(): void {
  describe('file adapter keeps its own records out of the file tree', () => {
    it('reads them as absent, refuses to write them, and lists only configuration files', async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'mw-file-records-'));
      const storage = createStorage(`file:${dir}`);
      await storage.open();
      try {
        await storage.domains.addDomain('rec.test');
        await storage.accounts.addAccount({
          domain: 'rec.test',
          name: 'u',
          kind: 'user',
          credential: { scheme: 'none' },
          vars: [],
        });
        await storage.files.writeFile('domains/rec.test/u/mailproc.tab', Buffer.from('"mailbox"\n'));
        assert.ok(
          (await readFile(path.join(dir, 'mailusers.tab'), 'utf8')).includes('rec.test'),
          'the record exists on disk',
        );
        assert.equal(await storage.files.readFile('mailusers.tab'), null);
        assert.equal(await storage.files.readFile('domains/rec.test/u/user.tab'), null);
        await assert.rejects(storage.files.writeFile('mailusers.tab', Buffer.from('x')), /own records/);
        await assert.rejects(storage.files.writeFile('blobs/evil', Buffer.from('x')), /own records/);
        await assert.rejects(storage.files.deleteFile('domains.tab'), /own records/);
        assert.deepEqual(
          (await storage.files.listFiles('domains/rec.test/u')).map((f) => f.path),
          ['domains/rec.test/u/mailproc.tab'],
        );
        assert.ok(!(await storage.files.listFiles('')).some((f) => f.path === 'mailusers.tab'));
        assert.ok(
          (await storage.accounts.getAccount({ domain: 'rec.test', name: 'u' })) !== null,
          'records intact',
        );
      } finally {
        await storage.close();
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe('file adapter survives SIGKILL mid-write', () => {
    let root = '';
    let storage: Storage;

    before(async () => {
      root = await mkdtemp(path.join(os.tmpdir(), 'mw-file-crash-'));
      storage = createStorage(`file:${root}`);
      await storage.open();
      await storage.domains.addDomain('crash.test');
      await storage.accounts.addAccount({
        ...account,
        kind: 'user',
        credential: { scheme: 'none' },
        vars: [],
      });
    });
    after(async () => {
      await storage?.close();
      if (root) await removeTree(root);
    });

    it('keeps every table whole and every acknowledged message readable', { timeout: 120_000 }, async () => {
      const script = fileURLToPath(import.meta.url);
      const acknowledged: { uid: number; tag: string }[] = [];
      for (let round = 0; round < 25; round++) acknowledged.push(...(await runAndKill(root, script)));
      assert.ok(acknowledged.length >= 25);

      // Re-opening sweeps the dead writers' temp files; nothing else may be left half-written.
      await storage.open();
      assert.deepEqual(await readdir(path.join(root, 'tmp')), [], 'temp files of dead writers are swept');
      let tables = 0;
      for await (const file of tabFiles(root)) {
        const text = await readFile(file, 'utf8');
        tables++;
        assert.ok(text === '' || text.endsWith('\n'), `${path.relative(root, file)} ends with a whole line`);
        for (const line of text.split('\n').slice(0, -1)) {
          assert.match(line, TAB_LINE, `${path.relative(root, file)} has a torn line`);
        }
      }
      assert.ok(tables > 5);

      const messages = await storage.mail.listMessages(account, 'INBOX');
      assert.equal(new Set(messages.map((m) => m.uid)).size, messages.length, 'UIDs are unique');
      const byUid = new Map(messages.map((m) => [m.uid, m]));
      for (const { uid, tag } of acknowledged) {
        const meta = byUid.get(uid);
        assert.ok(meta, `acknowledged message ${uid} (${tag}) is in INBOX`);
        assert.equal(meta.envelope.messageId, `<${tag}@crash>`);
        const chunks: Buffer[] = [];
        for await (const chunk of await storage.blobs.openBlob(meta.blobId)) chunks.push(chunk as Buffer);
        assert.ok(Buffer.concat(chunks).equals(bodyOf(tag)), `message ${uid} (${tag}) has its bytes`);
      }

      // Stale locks of killed writers were broken: the storage still takes writes everywhere.
      await storage.routes.addRoute({
        domain: 'crash.test',
        local: 'after-crash',
        target: account,
        origin: 'alias',
      });
      await storage.accounts.addAccount({
        domain: 'crash.test',
        name: 'after',
        kind: 'user',
        credential: { scheme: 'none' },
        vars: [],
      });
      await storage.events.appendEvent({ log: 'Crash', type: 'After', text: 'after', params: {} });
      const blob = await storage.blobs.putBlob(Readable.from([Buffer.from('after')]));
      const last = await storage.mail.append(account, 'INBOX', {
        blobId: blob.id,
        size: blob.size,
        internalDate: new Date(),
        flags: [],
        mime: {
          part: '',
          contentType: 'text/plain',
          params: {},
          headerStart: 0,
          bodyStart: 0,
          end: blob.size,
          lines: 1,
        },
        envelope: {},
      });
      assert.ok(last.uid > Math.max(...messages.map((m) => m.uid)));
    });
  });
}
