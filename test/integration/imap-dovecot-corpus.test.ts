/**
 * Reference comparison: FETCH data rendered by plugins/imap/message for every message of the MIME
 * corpus (test/fixtures/mime-corpus) against what Dovecot 2.3 sends for the same message, byte for
 * byte: ENVELOPE, BODYSTRUCTURE, BODY, RFC822.SIZE and a set of BODY[section]<partial> items.
 *
 * Dovecot runs as the current user from a scratch config in a temporary directory (no system
 * config, no root needed; as root it drops to the `dovecot`/`dovenull` users the package creates).
 * The test is skipped only when the dovecot binary is missing (Debian: apt-get install
 * dovecot-imapd). Our side reads each message the way delivery does (analyseMime) and renders from
 * the MimeNode and byte ranges only. The few places where we differ from Dovecot on purpose are
 * listed in KNOWN_DIFFERENCES with the reason.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { analyseMime, type MimeNode } from '../../core/index.js';
import { renderBodyStructure } from '../../plugins/imap/message/body-structure.js';
import { renderSection } from '../../plugins/imap/message/body-section.js';
import { renderEnvelope } from '../../plugins/imap/message/envelope.js';
import { measureOctets, type OpenRange } from '../../plugins/imap/message/octets.js';
import {
  findPart,
  formatSection,
  parseSection,
  type PartialRange,
  type SectionSpec,
} from '../../plugins/imap/message/section.js';
import type { ImapValue } from '../../plugins/imap/message/values.js';
import { serialize } from '../unit/imap-message/wire.js';

const corpusDir = fileURLToPath(new URL('../../../test/fixtures/mime-corpus/', import.meta.url));

const INNER_CLOSE =
  'Dovecot counts the line break after an inner multipart close delimiter twice: in the inner part ' +
  '(size, lines, BODY[n]) and as the start of the outer delimiter; RFC 2046 gives it to the delimiter only';
const LOST_AT_DELIVERY = 'core/mime keeps a normalised value; the raw form Dovecot echoes is not stored';

/** `message item` pairs where we send something else than Dovecot, and why. */
const KNOWN_DIFFERENCES = new Map<string, string>([
  ['05-related-nested.eml BODY.PEEK[1]', INNER_CLOSE],
  ['07-rfc822-nested-twice.eml BODYSTRUCTURE', INNER_CLOSE],
  ['07-rfc822-nested-twice.eml BODY', INNER_CLOSE],
  ['07-rfc822-nested-twice.eml BODY.PEEK[2]', INNER_CLOSE],
  ['07-rfc822-nested-twice.eml BODY.PEEK[2.TEXT]', INNER_CLOSE],
  ['07-rfc822-nested-twice.eml BODY.PEEK[2.2]', INNER_CLOSE],
  ['07-rfc822-nested-twice.eml BODY.PEEK[2.2.TEXT]', INNER_CLOSE],
  ['29-multipart-nested-rfc822-lf.eml BODYSTRUCTURE', INNER_CLOSE],
  ['29-multipart-nested-rfc822-lf.eml BODY', INNER_CLOSE],
  ['29-multipart-nested-rfc822-lf.eml BODY.PEEK[1]', INNER_CLOSE],
  ['29-multipart-nested-rfc822-lf.eml BODY.PEEK[2]', INNER_CLOSE],
  ['29-multipart-nested-rfc822-lf.eml BODY.PEEK[2.TEXT]', INNER_CLOSE],
  [
    '09-broken-content-type.eml BODYSTRUCTURE',
    'broken Content-Type: RFC 2045 §5.2 default text/plain; charset=us-ascii (Dovecot echoes "" ""); ' +
      'a parameter without "=" is kept with an empty value; a disposition without a type is dropped',
  ],
  ['09-broken-content-type.eml BODY', 'as BODYSTRUCTURE'],
  [
    '13-no-body.eml BODY.PEEK[HEADER.FIELDS (FROM SUBJECT CONTENT-TYPE)]',
    'header without its blank line: we always end with the blank line (RFC 3501); Dovecot adds it to ' +
      'HEADER.FIELDS but not to HEADER.FIELDS.NOT',
  ],
  ['13-no-body.eml BODY.PEEK[HEADER.FIELDS.NOT (FROM RECEIVED CONTENT-TYPE)]', 'as HEADER.FIELDS'],
  ['18-rfc2231.eml BODYSTRUCTURE', `${LOST_AT_DELIVERY}: an RFC 2231 name*= of ASCII text is sent decoded`],
  ['18-rfc2231.eml BODY', 'as BODYSTRUCTURE'],
  ['23-uppercase.eml BODYSTRUCTURE', `${LOST_AT_DELIVERY}: type, subtype, encoding, names lower-cased`],
  ['23-uppercase.eml BODY', 'as BODYSTRUCTURE'],
  [
    '26-folded-headers.eml ENVELOPE',
    `${LOST_AT_DELIVERY}: a value starting on a continuation line is trimmed`,
  ],
  ['27-duplicate-headers.eml ENVELOPE', `${LOST_AT_DELIVERY}: the first of repeated fields is kept`],
  ['28-empty-fields.eml ENVELOPE', `${LOST_AT_DELIVERY}: empty fields are absent, values are trimmed`],
]);

function findDovecot(): string | undefined {
  for (const candidate of ['/usr/sbin/dovecot', '/usr/local/sbin/dovecot'])
    if (existsSync(candidate)) return candidate;
  const which = spawnSync('sh', ['-c', 'command -v dovecot'], { encoding: 'utf8' });
  return which.status === 0 && which.stdout.trim() ? which.stdout.trim() : undefined;
}

const dovecot = findDovecot();

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  server.close();
  await once(server, 'close');
  return port;
}

function idOf(user: string, flag: '-u' | '-g'): number {
  const result = spawnSync('id', [flag, user], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`no user ${user}: ${result.stderr}`);
  return Number(result.stdout.trim());
}

interface DovecotServer {
  port: number;
  process: ChildProcess;
  dir: string;
}

async function startDovecot(binary: string): Promise<DovecotServer> {
  const dir = await mkdtemp(join(tmpdir(), 'mw-dovecot-'));
  await chmod(dir, 0o755); // the login processes (another user when we are root) must reach base_dir
  const root = process.getuid?.() === 0;
  const me = userInfo();
  // Dovecot refuses to run its login processes or mail access as root.
  const internalUser = root ? 'dovecot' : me.username;
  const loginUser = root ? 'dovenull' : me.username;
  const mailUid = root ? idOf('dovecot', '-u') : me.uid;
  const mailGid = root ? idOf('dovecot', '-g') : me.gid;
  const group = spawnSync('id', ['-gn', internalUser], { encoding: 'utf8' }).stdout.trim();
  await mkdir(join(dir, 'mail'));
  await mkdir(join(dir, 'home'));
  if (root) {
    await chown(join(dir, 'mail'), mailUid, mailGid);
    await chown(join(dir, 'home'), mailUid, mailGid);
  }
  const port = await freePort();
  await writeFile(join(dir, 'passwd'), `corpus:{PLAIN}secret:${mailUid}:${mailGid}::${dir}/home/corpus::\n`);
  const config = `
protocols = imap
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
login_trusted_networks = 127.0.0.0/8
default_internal_user = ${internalUser}
default_internal_group = ${group}
default_login_user = ${loginUser}
first_valid_uid = ${Math.min(mailUid, 1)}
mail_location = maildir:${dir}/mail/%u
passdb {
  driver = passwd-file
  args = scheme=PLAIN ${dir}/passwd
}
userdb {
  driver = passwd-file
  args = ${dir}/passwd
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
service auth-worker {
  user = $default_internal_user
}
service stats {
  inet_listener http {
    port = 0
  }
}
`;
  await writeFile(join(dir, 'dovecot.conf'), config);
  const child = spawn(binary, ['-F', '-c', join(dir, 'dovecot.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`dovecot exited: ${output}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('data', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`dovecot did not listen on ${port}: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { port, process: child, dir };
}

/** A minimal IMAP client that returns responses as the raw bytes the server sent. */
class RawImap {
  private buffer = Buffer.alloc(0);
  private wake?: () => void;
  private tag = 0;
  private closed = false;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (data: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, data]);
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
  }

  static async connect(port: number): Promise<RawImap> {
    const socket = net.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    const client = new RawImap(socket);
    await client.readResponse(); // greeting
    return client;
  }

  /** One response: a line, with the literals it announces. */
  private async readResponse(): Promise<Buffer> {
    let scan = 0;
    for (;;) {
      const crlf = this.buffer.indexOf('\r\n', scan);
      if (crlf >= 0) {
        const literal = /\{(\d+)\+?\}$/.exec(this.buffer.toString('latin1', scan, crlf));
        if (!literal) {
          const response = this.buffer.subarray(0, crlf + 2);
          this.buffer = this.buffer.subarray(crlf + 2);
          return response;
        }
        const next = crlf + 2 + Number(literal[1]);
        if (this.buffer.length >= next) {
          scan = next;
          continue;
        }
      }
      if (this.closed) throw new Error('connection closed');
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** Sends a command; resolves its untagged responses once the tagged OK arrives. */
  async command(text: string | Buffer[]): Promise<Buffer[]> {
    const tag = `T${++this.tag}`;
    const parts = typeof text === 'string' ? [Buffer.from(text)] : text;
    this.socket.write(Buffer.concat([Buffer.from(`${tag} `), ...parts, Buffer.from('\r\n')]));
    const untagged: Buffer[] = [];
    for (;;) {
      const response = await this.readResponse();
      if (response.toString('latin1').startsWith(`${tag} `)) {
        if (!response.toString('latin1').startsWith(`${tag} OK`))
          throw new Error(`${text.toString()}: ${response.toString()}`);
        return untagged;
      }
      untagged.push(response);
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

interface CorpusMessage {
  name: string;
  bytes: Buffer;
}

function loadCorpus(): CorpusMessage[] {
  return readdirSync(corpusDir)
    .filter((name) => name.endsWith('.eml'))
    .sort()
    .map((name) => ({ name, bytes: readFileSync(join(corpusDir, name)) }));
}

/** Serves byte ranges of a message in small chunks, as a blob store would stream them. */
function rangeOpener(bytes: Buffer): OpenRange {
  return async ({ start, end }) => {
    const slice = bytes.subarray(start, end);
    return Readable.from(
      (function* () {
        for (let pos = 0; pos < slice.length; pos += 61) yield slice.subarray(pos, pos + 61);
      })(),
    );
  };
}

function isEncapsulated(node: MimeNode): boolean {
  return node.contentType === 'message/rfc822' && node.children?.length === 1;
}

/** Every part number of a message, depth first. */
function partNumbers(root: MimeNode): number[][] {
  const out: number[][] = [];
  const visit = (prefix: number[]): void => {
    for (let n = 1; ; n++) {
      const part = [...prefix, n];
      const node = findPart(root, part);
      if (!node) return;
      out.push(part);
      const enclosed = isEncapsulated(node) ? node.children![0]! : undefined;
      if (node.children && node.children.length > 0 && !(enclosed && !enclosed.children?.length)) visit(part);
      else if (enclosed) visit(part);
    }
  };
  visit([]);
  return out;
}

interface FetchItem {
  /** What the FETCH command asks for. */
  request: string;
  /** The response item name. */
  name: string;
  render: () => Promise<ImapValue>;
}

async function itemsFor(message: CorpusMessage): Promise<FetchItem[]> {
  const open = rangeOpener(message.bytes);
  const analysis = await analyseMime(
    (async function* () {
      for (let pos = 0; pos < message.bytes.length; pos += 97) yield message.bytes.subarray(pos, pos + 97);
    })(),
  );
  const mime = analysis.mime;
  const measure = await measureOctets(mime, open);
  const items: FetchItem[] = [
    { request: 'ENVELOPE', name: 'ENVELOPE', render: async () => renderEnvelope(analysis.envelope) },
    {
      request: 'BODYSTRUCTURE',
      name: 'BODYSTRUCTURE',
      render: async () => renderBodyStructure(mime, { extended: true, measure }),
    },
    {
      request: 'BODY',
      name: 'BODY',
      render: async () => renderBodyStructure(mime, { extended: false, measure }),
    },
    { request: 'RFC822.SIZE', name: 'RFC822.SIZE', render: async () => measure.size(0, mime.end) },
  ];
  const section = (text: string, partial?: PartialRange): void => {
    const spec: SectionSpec | undefined = parseSection(text);
    assert.ok(spec, `section ${text}`);
    const suffix = partial ? `<${partial.origin}.${partial.count}>` : '';
    items.push({
      request: `BODY.PEEK[${text}]${suffix}`,
      name: `BODY[${formatSection(spec)}]${partial ? `<${partial.origin}>` : ''}`,
      render: async () => renderSection(mime, spec, partial, { open, measure }),
    });
  };
  section('');
  section('HEADER');
  section('TEXT');
  section('HEADER.FIELDS (FROM SUBJECT CONTENT-TYPE)');
  section('HEADER.FIELDS.NOT (FROM RECEIVED CONTENT-TYPE)');
  section('', { origin: 0, count: 10 });
  section('TEXT', { origin: 5, count: 20 });
  section('', { origin: 100_000, count: 5 });
  section('9');
  for (const part of partNumbers(mime)) {
    const p = part.join('.');
    section(p);
    section(`${p}.MIME`);
    section(p, { origin: 2, count: 5 });
    if (isEncapsulated(findPart(mime, part)!)) {
      section(`${p}.HEADER`);
      section(`${p}.TEXT`);
      section(`${p}.HEADER.FIELDS (SUBJECT FROM)`);
    }
  }
  return items;
}

describe(
  'FETCH rendering against Dovecot on the MIME corpus',
  { skip: dovecot ? false : 'dovecot is not installed (apt-get install dovecot-imapd)' },
  () => {
    let server: DovecotServer;
    let client: RawImap;
    const corpus = loadCorpus();

    before(async () => {
      server = await startDovecot(dovecot!);
      client = await RawImap.connect(server.port);
      await client.command('LOGIN corpus secret');
      await client.command('SELECT INBOX');
      for (const message of corpus)
        await client.command([Buffer.from(`APPEND INBOX {${message.bytes.length}+}\r\n`), message.bytes]);
    });

    after(async () => {
      client?.close();
      if (server) {
        server.process.kill('SIGTERM');
        if (server.process.exitCode === null) await once(server.process, 'exit');
        await rm(server.dir, { recursive: true, force: true });
      }
    });

    it('the corpus has at least 25 messages', () => {
      assert.ok(corpus.length >= 25, `${corpus.length} messages`);
    });

    it('renders every item as Dovecot does', async () => {
      const mismatches: string[] = [];
      let matched = 0;
      let known = 0;
      const stale = new Set(KNOWN_DIFFERENCES.keys());
      for (const [index, message] of corpus.entries()) {
        const seq = index + 1;
        for (const item of await itemsFor(message)) {
          const [response] = await client.command(`FETCH ${seq} (${item.request})`);
          const theirs = response ?? Buffer.alloc(0);
          const ours = Buffer.concat([
            Buffer.from(`* ${seq} FETCH (${item.name} `),
            await serialize(await item.render()),
            Buffer.from(')\r\n'),
          ]);
          const key = `${message.name} ${item.request}`;
          if (theirs.equals(ours)) matched++;
          else if (KNOWN_DIFFERENCES.has(key)) {
            known++;
            stale.delete(key);
          } else if (process.env.CORPUS_KEYS) mismatches.push(key);
          else
            mismatches.push(
              `${key}\n  dovecot: ${JSON.stringify(theirs.toString('latin1'))}\n  ours:    ${JSON.stringify(ours.toString('latin1'))}`,
            );
        }
      }
      console.log(
        `corpus: ${corpus.length} messages, ${matched} items equal to Dovecot's, ${known} known differences`,
      );
      assert.deepEqual(
        mismatches,
        [],
        `${mismatches.length} items differ:\n${mismatches.slice(0, 40).join('\n')}`,
      );
      assert.deepEqual([...stale], [], 'known differences that are no longer different: remove them');
    });
  },
);
