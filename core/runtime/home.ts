/**
 * The layout of the home directory (`--home`, `home:`), decided here and nowhere else:
 *
 *   <home>/mail/          the default file storage's mail root: tables, mail, configuration files.
 *                         The admin file commands (XMail filelist/cfgfileget/cfgfileset) reach
 *                         this tree and nothing outside it.
 *   <home>/state/         the server's own files, mode 0700 whatever the umask:
 *     secret.key          the key that seals stored secrets (secrets.ts)
 *     tls/                the self-signed certificate and its private key (tls.ts)
 *     redis/              the embedded redis-server's AOF and socket: the queue, lockouts (redis.ts)
 *
 * They are siblings so that no path inside the mail root, however spelled, is one of the server's
 * own files; a storage setting that would put one inside the other is refused. The file storage's
 * lock and temp files stay in its mail root (every process sharing the root needs them), fenced from
 * the file commands with its tables (core/model/mail-root.ts).
 */
import { access, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_UMASK } from '../ports/storage.js';

export interface HomePaths {
  mail: string;
  state: string;
  secretKey: string;
  tls: string;
  redis: string;
}

export function homePaths(home: string): HomePaths {
  const state = path.join(home, 'state');
  return {
    mail: path.join(home, 'mail'),
    state,
    secretKey: path.join(state, 'secret.key'),
    tls: path.join(state, 'tls'),
    redis: path.join(state, 'redis'),
  };
}

/** Creates the private state directory (and the home above it) with mode 0700. */
export async function makeStateDir(home: string): Promise<string> {
  const { state } = homePaths(home);
  await mkdir(state, { recursive: true, mode: 0o700 });
  return state;
}

export class HomeLayoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HomeLayoutError';
  }
}

/**
 * Files only an earlier Mailwright kept directly in the home, its key beside the mail root's tables.
 * (Not tls/ or redis/: an operator may well keep a certificate in <home>/tls.)
 */
const EARLIER_LAYOUT = ['secret.key', 'domains.tab', 'mailusers.tab', 'ctrlaccounts.tab'];

/**
 * Creates the home (mode from the umask, so that a group the operator opened the mail root to can
 * enter it) and its private state directory. A home in the earlier layout is refused: started as it
 * is, the server would make a new key and an empty mail root beside the old ones.
 */
export async function prepareHome(home: string, umask = DEFAULT_UMASK): Promise<void> {
  const found: string[] = [];
  for (const name of EARLIER_LAYOUT) {
    if (await exists(path.join(home, name))) found.push(name);
  }
  if (found.length > 0) {
    const { mail, state } = homePaths(home);
    throw new HomeLayoutError(
      `${home} has the layout of an earlier Mailwright (${found.join(', ')} directly in it): ` +
        `move secret.key, tls/ and redis/ into ${state}/ and everything else into ${mail}/, ` +
        `or start with an empty home`,
    );
  }
  await mkdir(home, { recursive: true, mode: 0o777 & ~umask });
  await makeStateDir(home);
}

/**
 * Refuses a file storage root that contains the home's private state directory or lies inside it:
 * the file commands would then reach secret.key. @throws HomeLayoutError
 */
export function checkMailRootPlacement(home: string, mailRoot: string): void {
  const { state } = homePaths(path.resolve(home));
  const root = path.resolve(mailRoot);
  if (isWithin(state, root) || isWithin(root, state)) {
    throw new HomeLayoutError(
      `storage file:${root} overlaps the home's private directory ${state}: ` +
        `use file:${homePaths(path.resolve(home)).mail} (the default) or a directory outside ${state}`,
    );
  }
}

/**
 * A file storage root that is a whole home (`storage copy --from file:<home>`) would take the
 * server's own files (state/: the secret key, the TLS key) along as if they were mail-root files.
 */
export async function refuseHomeAsMailRoot(mailRoot: string): Promise<void> {
  const paths = homePaths(path.resolve(mailRoot));
  if (await exists(paths.secretKey)) {
    throw new HomeLayoutError(
      `${path.resolve(mailRoot)} is a Mailwright home, not a mail root: use file:${paths.mail}`,
    );
  }
}

/** Whether `inner` is `outer` or below it. */
function isWithin(inner: string, outer: string): boolean {
  return inner === outer || inner.startsWith(outer + path.sep);
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
