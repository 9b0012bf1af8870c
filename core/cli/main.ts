import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Command, Option } from 'commander';
import { ConfigError } from '../config/errors.js';
import { Kernel, PluginStartError } from '../kernel/kernel.js';
import { KernelError } from '../kernel/plugin-order.js';
import { builtinCommandModules } from '../kernel/plugin-loader.js';
import { openConfiguredStorage } from '../kernel/storage-open.js';
import { AdminService } from '../directory/admin-service.js';
import { HomeLayoutError, prepareHome } from '../runtime/home.js';
import { SecretBox } from '../runtime/secrets.js';
import { resolveConfig, startCommand } from './start.js';
import { storageCopyCommand } from './storage-copy.js';

const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const program = new Command('mailwright')
  .description('Mailwright: a mail platform built from plugins')
  .version(version, '-V, --version')
  .showHelpAfterError();

const collect = (value: string, previous: string[] = []) => [...previous, value];

program
  .command('start')
  .description('start the server (with no --config: the embedded default on 127.0.0.1)')
  .option('--home <dir>', 'data directory (default ./mailwright-data)')
  .option('--config <file>', 'YAML or JSON config file')
  .addOption(
    new Option('--role <role>', 'which part of the server this process runs').choices([
      'front',
      'worker',
      'all',
    ]),
  )
  .option('--listen <name=host:port>', 'listener address, repeatable (e.g. smtp=0.0.0.0:25)', collect)
  .option('--no-supervise', 'run the front in this process, without a parent that restarts it')
  .action((opts) => startCommand(opts, version));

const config = program.command('config').description('configuration tools');
config
  .command('check <file>')
  .description('check a config file and every plugin section it names, without starting anything')
  .action(async (file: string) => {
    const loaded = await resolveConfig({ config: file });
    const kernel = await Kernel.create({
      config: loaded.config,
      source: loaded.source,
      baseDir: loaded.baseDir,
    });
    process.stdout.write(`${loaded.source}: OK (plugins: ${kernel.pluginNames.join(', ')})\n`);
  });

const admin = program.command('admin').description('administrator accounts of the admin protocols');
admin
  .command('add <name> [password]')
  .description(
    'add (or replace) an administrator usable by XMail CTRL and the AltaVista admin protocols; without ' +
      'PASSWORD (which every user of the machine can see in ps) the password is read from --password-file ' +
      'or the first line of standard input',
  )
  .option('--home <dir>', 'data directory (default ./mailwright-data)')
  .option('--config <file>', 'config file naming the storage')
  .option('--password-file <file>', 'read the password from the first line of this file')
  .action(
    async (
      name: string,
      password: string | undefined,
      opts: { home?: string; config?: string; passwordFile?: string },
    ) => {
      const secret = password ?? (await readPassword(opts.passwordFile));
      const loaded = await resolveConfig(opts);
      const home = path.resolve(loaded.baseDir, opts.home ?? loaded.config.home ?? 'mailwright-data');
      // As `start` would: an earlier layout is refused before a new key is made beside the old one.
      await prepareHome(home, loaded.config.umask);
      const storage = await openConfiguredStorage(loaded.config, home, loaded.baseDir);
      try {
        await new AdminService(storage.admins, await SecretBox.forHome(home)).add(name, secret);
        process.stdout.write(`administrator "${name}" saved\n`);
      } finally {
        await storage.close();
      }
    },
  );

/** The first line of `file`, or of standard input; an empty password is refused. */
async function readPassword(file: string | undefined): Promise<string> {
  const text = file
    ? await readFile(file, 'utf8')
    : await new Promise<string>((resolve, reject) => {
        let input = '';
        process.stdin.setEncoding('utf8').on('data', (chunk: string) => (input += chunk));
        process.stdin.once('end', () => resolve(input)).once('error', reject);
      });
  const password = text.split(/\r?\n/)[0];
  if (!password)
    throw new ConfigError('admin add', ['no password given (argument, --password-file or standard input)']);
  return password;
}

const storage = program.command('storage').description('storage tools');
storage
  .command('copy')
  .description(
    'copy everything (directory, mail with UIDs and flags, files, logs) from one store to another; safe to re-run',
  )
  .requiredOption(
    '--from <url>',
    'source: file:/dir, redis://host:port/db, unix:///socket, mongodb://host/db',
  )
  .requiredOption('--to <url>', 'target, same forms')
  .action((opts: { from: string; to: string }) => storageCopyCommand(opts));

/** Known failures print one clear message; anything else is a bug and keeps its stack. */
function explain(err: unknown): string {
  if (err instanceof ConfigError || err instanceof KernelError) return err.message;
  if (err instanceof PluginStartError || err instanceof HomeLayoutError) return err.message;
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}

for (const module of await builtinCommandModules()) module.registerCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`mailwright: ${explain(err)}\n`);
  process.exit(1);
});
