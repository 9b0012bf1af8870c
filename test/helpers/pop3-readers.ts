/**
 * Real POP3 clients reading a whole maildrop after STLS, each handing back the exact bytes it got:
 * Python's poplib (test/integration/pop3-clients.py), curl and fetchmail. The server's certificate
 * is self-signed, so none of them verifies it.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const MAX_OUTPUT = 64 * 1024 * 1024;

/** The Python driver sits in the source tree (this module may run from a build directory). */
const POPLIB_DRIVER = path.resolve(
  fileURLToPath(import.meta.url),
  '../../../../test/integration/pop3-clients.py',
);

export interface Pop3Login {
  port: number;
  user: string;
  password: string;
}

export interface PoplibResult {
  stat: [number, number];
  /** `n octets` per message, as LIST answered. */
  list: string[];
  /** RETR of each message in maildrop order, lines joined with CRLF as they arrived. */
  messages: Buffer[];
}

export async function readWithPoplib({ port, user, password }: Pop3Login): Promise<PoplibResult> {
  const { stdout } = await run(
    'python3',
    [POPLIB_DRIVER, 'stls', '127.0.0.1', String(port), user, password],
    {
      maxBuffer: MAX_OUTPUT,
    },
  );
  const result = JSON.parse(stdout) as {
    stat: [number, number];
    list: string[];
    messages: { retr: string }[];
  };
  return {
    stat: result.stat,
    list: result.list,
    messages: result.messages.map((message) => Buffer.from(message.retr, 'base64')),
  };
}

export interface CurlResult {
  /** The LIST response body as curl printed it. */
  list: string;
  messages: Buffer[];
}

/** `curl pop3://` with STLS required: one LIST, then one RETR per message. */
export async function readWithCurl({ port, user, password }: Pop3Login, count: number): Promise<CurlResult> {
  const curl = async (url: string): Promise<Buffer> =>
    (
      await run('curl', ['-sS', '--max-time', '30', '--ssl-reqd', '-k', '-u', `${user}:${password}`, url], {
        encoding: 'buffer',
        maxBuffer: MAX_OUTPUT,
      })
    ).stdout;
  const list = (await curl(`pop3://127.0.0.1:${port}/`)).toString('latin1');
  const messages: Buffer[] = [];
  for (let n = 1; n <= count; n++) messages.push(await curl(`pop3://127.0.0.1:${port}/${n}`));
  return { list, messages };
}

/**
 * fetchmail over STLS, keeping every message on the server, each handed to an MDA that writes it
 * to its own file in `dir`/fetched. `no stripcr`, `no rewrite`: the MDA gets the lines as they
 * came; fetchmail still puts its own `Received:` header in front.
 */
export async function readWithFetchmail({ port, user, password }: Pop3Login, dir: string): Promise<Buffer[]> {
  const out = path.join(dir, 'fetched');
  await mkdir(out, { recursive: true });
  const rc = path.join(dir, 'fetchmailrc');
  await writeFile(
    rc,
    `poll 127.0.0.1 service ${port} protocol pop3 auth password\n` +
      `  user "${user}" password "${password}" is "${userInfo().username}" here\n` +
      `  sslproto 'tls1.2+' no sslcertck\n` +
      `  keep fetchall no rewrite no stripcr no mimedecode\n` +
      `  mda "sh -c 'cat > ${out}/msg-$$'"\n`,
  );
  await chmod(rc, 0o600);
  // Its own lock file: as root, fetchmail's default is /var/run/fetchmail.pid, shared by every run.
  const files = ['--idfile', path.join(dir, 'fetchids'), '--pidfile', path.join(dir, 'fetchmail.pid')];
  await run('fetchmail', ['-f', rc, '--nodetach', '--silent', ...files], {
    env: { ...process.env, HOME: dir, FETCHMAILHOME: dir },
  });
  const names = (await readdir(out)).sort();
  return Promise.all(names.map((name) => readFile(path.join(out, name))));
}
