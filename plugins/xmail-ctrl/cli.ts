import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { Option, type Command } from 'commander';
import { CtrlClient, CtrlProtocolError, type CtrlReply } from './client.js';
import { findCommand } from './protocol/index.js';

interface CtrlCliOptions {
  host: string;
  port?: string;
  user: string;
  password?: string;
  passwordFile?: string;
  tls: boolean;
  starttls: boolean;
  verify: boolean;
  format: 'table' | 'tsv' | 'json';
}

/** `mailwright ctrl`: a CTRL client for scripts and people, contributed to the CLI by this plugin. */
export function registerCommands(program: Command): void {
  program
    .command('ctrl')
    .description('run one XMail CTRL command against a server (MD5 login); uploads are read from stdin')
    .argument('<command>', 'a CTRL command: useradd, userlist, aliasadd, domainlist, cfgfileset ...')
    .argument('[args...]', 'its arguments')
    .option('--host <host>', 'server address', '127.0.0.1')
    .option('--port <port>', 'port (default 6017, or 6018 with --tls)')
    .option('--user <name>', 'administrator name', 'admin')
    .option('--password <password>', 'administrator password (or MAILWRIGHT_CTRL_PASSWORD)')
    .option('--password-file <file>', 'read the password from this file')
    .option('--tls', 'connect to the native-TLS listener (xmail-ctrls)', false)
    .option('--starttls', 'upgrade with #!TLS before logging in', false)
    .option('--verify', 'verify the server certificate', false)
    .addOption(
      new Option('--format <format>', 'how listings are printed')
        .choices(['table', 'tsv', 'json'])
        .default('table'),
    )
    .action(async (name: string, args: string[], opts: CtrlCliOptions) => {
      process.exitCode = await runCtrl(name, args, opts);
    });
}

async function runCtrl(name: string, args: string[], opts: CtrlCliOptions): Promise<number> {
  const password = await readPassword(opts);
  const spec = findCommand(name);
  // Uploads (usersetmproc, custdomset, cfgfileset) take their data from stdin.
  const upload = spec?.response === 'upload' ? await text(process.stdin) : undefined;
  const client = await CtrlClient.connect(
    {
      host: opts.host,
      port: Number(opts.port ?? (opts.tls ? 6018 : 6017)),
      tls: opts.tls ? 'implicit' : opts.starttls ? 'starttls' : 'none',
      verifyCertificate: opts.verify,
      timeoutMs: 30_000,
    },
    opts.user,
    password,
  ).catch((err: unknown) => {
    throw err instanceof CtrlProtocolError ? new Error(`login failed: ${err.status}`) : err;
  });
  try {
    const reply = await client.command([name, ...args], upload);
    if (!reply.ok) {
      process.stderr.write(`${reply.status}\n`);
      return 2;
    }
    process.stdout.write(render(reply, spec?.columns, opts.format));
    return 0;
  } finally {
    await client.close().catch(() => undefined);
  }
}

async function readPassword(opts: CtrlCliOptions): Promise<string> {
  if (opts.password !== undefined) return opts.password;
  if (opts.passwordFile) return (await readFile(opts.passwordFile, 'utf8')).replace(/\r?\n$/, '');
  const fromEnv = process.env.MAILWRIGHT_CTRL_PASSWORD;
  if (fromEnv !== undefined) return fromEnv;
  throw new Error('no password: use --password, --password-file or MAILWRIGHT_CTRL_PASSWORD');
}

/** A listing as an aligned table, TSV or JSON; a file body as it is; a plain success as `OK`. */
export function render(
  reply: CtrlReply,
  columns: readonly string[] | undefined,
  format: CtrlCliOptions['format'],
): string {
  if (reply.lines) return reply.lines.map((line) => `${line}\n`).join('');
  if (!reply.rows) return format === 'json' ? '{"ok":true}\n' : 'OK\n';
  const names = columns ?? reply.rows[0].map((_, i) => `field${i + 1}`);
  if (format === 'json') {
    const objects = reply.rows.map((row) =>
      Object.fromEntries(row.map((value, i) => [names[i] ?? `field${i + 1}`, value])),
    );
    return `${JSON.stringify(objects, null, 2)}\n`;
  }
  if (format === 'tsv') return reply.rows.map((row) => `${row.join('\t')}\n`).join('');
  const table = [names.map((n) => n.toUpperCase()), ...reply.rows];
  const widths = names.map((_, i) => Math.max(...table.map((row) => (row[i] ?? '').length)));
  return table
    .map(
      (row) =>
        `${row
          .map((value, i) => (value ?? '').padEnd(widths[i]))
          .join('  ')
          .trimEnd()}\n`,
    )
    .join('');
}
