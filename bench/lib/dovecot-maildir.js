/**
 * What the Dovecot benches share: the \`mail\` user Dovecot's mail processes run as, and
 * Maildirs filled with the bench's messages (LF line endings, as Dovecot stores them), owned by it.
 */
import { chown, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { runCommand } from './processes.js';

export const MAIL_USER = 'mail';

export async function idOf(flag) {
  const result = await runCommand('id', [flag, MAIL_USER]);
  if (result.code !== 0) throw new Error(`there is no "${MAIL_USER}" user for Dovecot's mail processes`);
  return Number(result.stdout.trim());
}

export async function writeMaildirs(mailRoot, mailboxes, uid, gid) {
  const host = os.hostname().replace(/[/:]/g, '_');
  const seconds = Math.floor(Date.now() / 1000);
  let sequence = 0;
  const owned = async (dirPath) => {
    await mkdir(dirPath, { recursive: true });
    await chown(dirPath, uid, gid);
  };
  await owned(mailRoot);
  for (const { login, messages } of mailboxes) {
    const maildir = path.join(mailRoot, login);
    for (const sub of ['', 'cur', 'new', 'tmp']) await owned(path.join(maildir, sub));
    for (const message of messages) {
      const lf = Buffer.from(message.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
      sequence += 1;
      const file = path.join(
        maildir,
        'new',
        `${seconds}.M${sequence}P${process.pid}.${host},S=${lf.length},W=${message.length}`,
      );
      await writeFile(file, lf);
      await chown(file, uid, gid);
    }
  }
}
