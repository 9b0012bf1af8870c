import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ensureAptPackage } from '../../lib/install.js';
import { idOf, writeMaildirs } from '../../lib/dovecot-maildir.js';
import { runCommand, startProcess, waitForPort } from '../../lib/processes.js';

export const DOVECOT = '/usr/sbin/dovecot';
/** Mail processes run as Debian's `mail` user: Dovecot refuses uid 0 for mail access. */
const DH = '/usr/share/dovecot/dh.pem';

/** dovecot-imapd pulls in dovecot-core; Debian's own instance is not used (nor configured) here. */
export async function installDovecot() {
  await ensureAptPackage({ pkg: 'dovecot-imapd', binary: '/usr/lib/dovecot/imap' });
}

export async function dovecotVersion() {
  const result = await runCommand(DOVECOT, ['--version']).catch(() => null);
  return result?.stdout.trim() || null;
}

/**
 * A private Dovecot instance: its own dovecot.conf (no include of /etc/dovecot), base_dir and
 * state_dir in the temp dir, imap and imaps only, on 127.0.0.1, users from a passwd-file (PLAIN),
 * one Maildir per user written once beforehand as a delivery agent would (in new/, LF line ends,
 * the S= and W= sizes in the file name as dovecot-lda writes them). Dovecot's defaults otherwise,
 * which are Debian's for these settings: one imap process per logged-in connection and one
 * imap-login process per connection before login (`service_count = 1`; it stays as the TLS proxy
 * of an imaps connection), mail_fsync = optimized, index files beside the Maildir, no
 * imap-hibernate. The limits that would refuse the bench's connections are raised to fit
 * `maxConnections`: default_process_limit (100) and the imap service's process_limit (1024),
 * default_client_limit (1000: anvil, auth, log and stats take one connection per process) and
 * mail_max_userip_connections (10 per user and address). `dovecot -F` keeps the master in the
 * foreground as the root of the measured process tree.
 */
export async function prepareDovecot({ dir, mailboxes, password, tls, maxConnections }) {
  // The login (dovenull), auth (dovecot) and mail (mail) processes must reach their files.
  await chmod(dir, 0o755);
  const uid = await idOf('-u');
  const gid = await idOf('-g');
  const mailRoot = path.join(dir, 'mail');
  await writeMaildirs(mailRoot, mailboxes, uid, gid);
  const users = path.join(dir, 'users');
  await writeFile(users, mailboxes.map(({ login }) => `${login}:{PLAIN}${password}\n`).join(''), {
    mode: 0o644,
  });
  const processes = maxConnections + 200;
  let starts = 0;
  return {
    async start({ port, tlsPort }) {
      starts += 1;
      const runDir = path.join(dir, `run-${starts}`);
      await mkdir(path.join(runDir, 'state'), { recursive: true });
      await chmod(runDir, 0o755);
      const config = path.join(runDir, 'dovecot.conf');
      await writeFile(
        config,
        [
          `base_dir = ${path.join(runDir, 'run')}`,
          `state_dir = ${path.join(runDir, 'state')}`,
          `instance_name = mw-bench-dovecot-imap-${port}`,
          'protocols = imap',
          'listen = 127.0.0.1',
          'ssl = yes',
          `ssl_cert = <${tls.cert}`,
          `ssl_key = <${tls.key}`,
          `ssl_dh = <${DH}`,
          'disable_plaintext_auth = no',
          'login_trusted_networks = 127.0.0.0/8',
          `log_path = ${path.join(runDir, 'dovecot.log')}`,
          `first_valid_uid = ${uid}`,
          `mail_location = maildir:${mailRoot}/%u`,
          `default_process_limit = ${processes}`,
          `default_client_limit = ${2 * processes + 1000}`,
          `mail_max_userip_connections = ${maxConnections + 100}`,
          'passdb {',
          '  driver = passwd-file',
          `  args = scheme=PLAIN username_format=%u ${users}`,
          '}',
          'userdb {',
          '  driver = static',
          `  args = uid=${uid} gid=${gid} home=${mailRoot}/%u`,
          '}',
          'service imap-login {',
          '  inet_listener imap {',
          '    address = 127.0.0.1',
          `    port = ${port}`,
          '  }',
          '  inet_listener imaps {',
          '    address = 127.0.0.1',
          `    port = ${tlsPort}`,
          '    ssl = yes',
          '  }',
          '}',
          'service imap {',
          `  process_limit = ${processes}`,
          '}',
          '',
        ].join('\n'),
      );
      const server = startProcess('dovecot', DOVECOT, ['-F', '-c', config], { cwd: runDir });
      await Promise.race([
        Promise.all([waitForPort(port), waitForPort(tlsPort)]),
        server.exited.then((code) => {
          throw new Error(`dovecot exited (${code}):\n${server.output()}`);
        }),
      ]);
      const log = path.join(runDir, 'dovecot.log');
      return {
        rootPids: async () => [server.pid],
        /**
         * The log's warnings and errors so far (a limit reached, a process killed ...), at most 10.
         * The inotify warning is summarised: with more IDLE processes than
         * fs.inotify.max_user_instances (128 by default) Dovecot polls instead
         * (mailbox_idle_check_interval, 30 s), which the bench leaves as the machine has it.
         */
        problems: async () => {
          const lines = (await readFile(log, 'utf8').catch(() => ''))
            .split('\n')
            .filter((line) => /\b(Warning|Error|Fatal|Panic):/.test(line));
          const inotify = lines.filter((line) => line.includes('Inotify instance limit'));
          const others = lines.filter((line) => !line.includes('Inotify instance limit')).slice(0, 10);
          return inotify.length === 0
            ? others
            : [`${inotify.length} x "Inotify instance limit ... exceeded" (IDLE polls instead)`, ...others];
        },
        stop: () => server.stop(15_000),
      };
    },
  };
}
