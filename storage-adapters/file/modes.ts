/**
 * The permission bits of what the file adapter creates: the configured umask (core/ports/storage.ts
 * `StorageOptions`) cleared from 0666 for files and 0777 for directories, given to open(2) and
 * mkdir(2) so that nothing is ever more open than that, not even for an instant.
 */
import { DEFAULT_UMASK } from '../../core/ports/index.js';

export interface FileModes {
  readonly file: number;
  readonly dir: number;
}

export function modesForUmask(umask = DEFAULT_UMASK): FileModes {
  return { file: 0o666 & ~umask, dir: 0o777 & ~umask };
}

/** For files that hold secrets (ctrlaccounts.tab): the owner's bits of `mode` only, whatever the umask. */
export function ownerOnly(mode: number): number {
  return mode & 0o600;
}
