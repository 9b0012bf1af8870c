import {
  createCipheriv,
  createDecipheriv,
  createHash,
  randomBytes,
  scrypt as scryptCallback,
  timingSafeEqual,
} from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { homePaths, makeStateDir } from './home.js';

const scrypt = promisify(scryptCallback) as (
  password: string,
  salt: Buffer,
  keylen: number,
  opts: object,
) => Promise<Buffer>;

/** scrypt parameters (N=2^15, r=8, p=1: ~30 ms, 32 MB) stored with each hash so they can change later. */
const SCRYPT = { N: 32768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

/** `scrypt$N$r$p$salt$hash`, base64 parts. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, 32, SCRYPT);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: SCRYPT.maxmem,
  });
  return timingSafeEqual(expected, actual);
}

/**
 * Whether two secrets (passwords, digests) are equal, in time that depends on neither: both are
 * hashed to equal-length SHA-256 digests first, so not even their lengths show.
 */
export function sameSecret(a: string, b: string): boolean {
  const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}

/**
 * Reversible secrets (admin passwords for MD5 challenge logins, legacy account secrets, POP3 link
 * passwords) are kept encrypted with AES-256-GCM under a server key that lives in
 * `<home>/state/secret.key` (mode 0600, in the private state directory: home.ts), never beside the
 * data in the storage backend and never where a file command reaches.
 */
export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  static async forHome(home: string): Promise<SecretBox> {
    const file = homePaths(home).secretKey;
    try {
      return new SecretBox(Buffer.from((await readFile(file, 'utf8')).trim(), 'base64'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    await makeStateDir(home);
    const key = randomBytes(32);
    try {
      const handle = await open(file, 'wx', 0o600);
      await handle.writeFile(key.toString('base64') + '\n');
      await handle.sync();
      await handle.close();
      return new SecretBox(key);
    } catch (err) {
      // Another process created it first: use theirs.
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return SecretBox.forHome(home);
      throw err;
    }
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [
      'v1',
      iv.toString('base64'),
      cipher.getAuthTag().toString('base64'),
      body.toString('base64'),
    ].join('$');
  }

  open(sealed: string): string {
    const [version, iv, tag, body] = sealed.split('$');
    // An empty secret seals to an empty body (`v1$iv$tag$`): only a missing part is malformed.
    if (version !== 'v1' || body === undefined) throw new Error('not a sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
  }
}
