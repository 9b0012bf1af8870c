import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ensureAptPackage } from '../../lib/install.js';
import { idOf, writeMaildirs } from '../../lib/dovecot-maildir.js';
import { runCommand, startProcess, waitForPort } from '../../lib/processes.js';

export const DOVECOT = '/usr/sbin/dovecot';
/** Mail processes run as Debian's `mail` user: Dovecot refuses uid 0 for mail access. */

/** dovecot-pop3d pulls in dovecot-core; Debian's own instance is not used (nor configured) here. */
export async function installDovecot() {
  await ensureAptPackage({ pkg: 'dovecot-pop3d', binary: '/usr/lib/dovecot/pop3' });
}

export async function dovecotVersion() {
  const result = await runCommand(DOVECOT, ['--version']).catch(() => null);
  return result?.stdout.trim() || null;
}

/**
 * A private Dovecot instance: its own dovecot.conf (no include of /etc/dovecot), base_dir and
 * state_dir in the temp dir, pop3 only on 127.0.0.1:<port>, users from a passwd-file, one Maildir
 * per user written beforehand as a delivery agent would (in new/, LF line ends, the S= and W=
 * sizes in the file name as dovecot-lda writes them). Everything else stays at Dovecot's built-in
 * defaults, which are what Debian ships for these settings: one login process per connection
 * (`service_count = 1`), mail_fsync = optimized, index files beside the Maildir.
 * `dovecot -F` keeps the master in the foreground so it is the root of the measured process tree.
 */
export async function startDovecot({ dir, port, mailboxes, password }) {
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
  const config = path.join(dir, 'dovecot.conf');
  await writeFile(
    config,
    [
      `base_dir = ${path.join(dir, 'run')}`,
      `state_dir = ${path.join(dir, 'state')}`,
      `instance_name = mw-bench-dovecot-${port}`,
      'protocols = pop3',
      'listen = 127.0.0.1',
      'ssl = no',
      'disable_plaintext_auth = no',
      'login_trusted_networks = 127.0.0.0/8',
      `log_path = ${path.join(dir, 'dovecot.log')}`,
      `first_valid_uid = ${uid}`,
      `mail_location = maildir:${mailRoot}/%u`,
      'passdb {',
      '  driver = passwd-file',
      `  args = scheme=PLAIN username_format=%u ${users}`,
      '}',
      'userdb {',
      '  driver = static',
      `  args = uid=${uid} gid=${gid} home=${mailRoot}/%u`,
      '}',
      'service pop3-login {',
      '  inet_listener pop3 {',
      '    address = 127.0.0.1',
      `    port = ${port}`,
      '  }',
      '  inet_listener pop3s {',
      '    port = 0',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  await mkdir(path.join(dir, 'state'), { recursive: true });
  const server = startProcess('dovecot', DOVECOT, ['-F', '-c', config], { cwd: dir });
  await Promise.race([
    waitForPort(port),
    server.exited.then((code) => {
      throw new Error(`dovecot exited (${code}):\n${server.output()}`);
    }),
  ]);
  return {
    rootPids: async () => [server.pid],
    stop: () => server.stop(10_000),
  };
}
