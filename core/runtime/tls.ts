import { link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { generate } from 'selfsigned';
import { homePaths } from './home.js';

export interface TlsFiles {
  key: string;
  cert: string;
}

/**
 * The TLS identity every protocol listener shares (STARTTLS, STLS, #!TLS, implicit-TLS ports).
 * An operator names key and certificate files; without them, a self-signed certificate for the
 * host name, localhost and the loopback addresses is made once in `<home>/state/tls/` (mode 0600 in
 * the private state directory: home.ts), so TLS works out of the box and every process of one
 * installation presents the same certificate.
 */
export async function loadTlsContext(home: string, files?: TlsFiles): Promise<tls.SecureContextOptions> {
  const [key, cert] = files
    ? await Promise.all([readFile(files.key), readFile(files.cert)])
    : await ensureSelfSigned(path.join(homePaths(home).tls, 'self-signed.pem')).then((pem) => [pem, pem]);
  tls.createSecureContext({ key, cert }); // fails here, at start, on a key that does not match
  return { key, cert, minVersion: 'TLSv1.2' };
}

/**
 * Key and certificate in one PEM file, published with link() so that when several processes start
 * at once the first one's pair wins and every process presents the same certificate.
 */
async function ensureSelfSigned(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const host = os.hostname();
  const pems = await generate([{ name: 'commonName', value: host }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 5 * 365 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: host },
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  const temp = `${file}.${process.pid}.tmp`;
  const handle = await open(temp, 'w', 0o600);
  await handle.writeFile(pems.private + pems.cert);
  await handle.sync();
  await handle.close();
  try {
    await link(temp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await unlink(temp);
  }
  return readFile(file);
}
