import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import {
  DirectoryAdminError,
  type AccountAdmin,
  type DirectoryAdminFailure,
  type DomainAdmin,
  type FrozenQueue,
  type ListAdmin,
  type MailRootFiles,
  type Pop3LinkAdmin,
  type RouteAdmin,
} from '../../../core/index.js';
import { XMailCtrlError, type XMailErrorName } from '../protocol/index.js';

/** What a command handler answers when it succeeds; failures are thrown (XMailCtrlError). */
export type CtrlReply =
  /** `+00000 OK`. */
  | { readonly kind: 'ok' }
  /** `+00100 OK`, quoted TAB rows, `.`. */
  | { readonly kind: 'rows'; readonly rows: readonly (readonly (string | number)[])[] }
  /** `+00100 OK`, the dot-stuffed file, `.`. */
  | { readonly kind: 'file'; readonly body: Buffer | Readable }
  /** `+00101 OK`, then the upload goes to `store` (empty = delete), then its status line. */
  | { readonly kind: 'upload'; store(content: Buffer): Promise<void> };

/** The core admin services (core/directory/admin/) the commands call. */
export interface CtrlCommandContext {
  readonly domains: DomainAdmin;
  readonly accounts: AccountAdmin;
  readonly routes: RouteAdmin;
  readonly lists: ListAdmin;
  readonly pop3Links: Pop3LinkAdmin;
  readonly files: MailRootFiles;
  /** The delivery queue's frozen-message view, when a loaded queue plugin provides one. */
  readonly frozenQueue?: FrozenQueue;
  readonly logger: Logger;
}

export type CtrlHandler = (args: readonly string[], ctx: CtrlCommandContext) => Promise<CtrlReply>;

export const OK: CtrlReply = { kind: 'ok' };

/** An upload that replaces the mail-root file `path`; a zero-length upload deletes it (XMail). */
export function fileUpload(files: MailRootFiles, path: string): CtrlReply {
  return {
    kind: 'upload',
    store: (content) => (content.length === 0 ? files.deleteFile(path) : files.writeFile(path, content)),
  };
}

const FAILURE_CODES: Record<DirectoryAdminFailure, XMailErrorName> = {
  'invalid-domain': 'INVALID_HOSTNAME',
  'invalid-name': 'BAD_RFCNAME',
  'invalid-address': 'BAD_TAG_ADDRESS',
  'invalid-path': 'BAD_RELATIVE_PATH',
  'domain-not-handled': 'DOMAIN_NOT_HANDLED',
  'domain-exists': 'ALREADY_EXIST',
  // Spec note A: a user looked up by name answers -00157 (through an alias domain see inXMailTerms).
  'user-not-found': 'RECORD_NOT_FOUND',
  'user-exists': 'USER_EXIST',
  'wrong-password': 'INVALID_PASSWORD',
  'alias-exists': 'ALIAS_EXIST',
  'alias-not-found': 'ALIAS_NOT_FOUND',
  'not-a-list': 'USER_NOT_MAILINGLIST',
  'member-exists': 'MLUSER_ALREADY_EXIST',
  'member-not-found': 'MLUSER_NOT_FOUND',
  'external-alias-exists': 'EXTALIAS_EXIST',
  'external-alias-not-found': 'EXTALIAS_NOT_FOUND',
  'link-exists': 'LINK_EXIST',
  'link-not-found': 'LINK_NOT_FOUND',
  'alias-domain-exists': 'ADOMAIN_EXIST',
  'alias-domain-not-found': 'ADOMAIN_NOT_FOUND',
  'directory-not-found': 'LISTDIR_NOT_FOUND',
};

/** The XMail error for a directory failure (unchanged for anything else). */
export function asXMailError(err: unknown): unknown {
  if (!(err instanceof DirectoryAdminError)) return err;
  return new XMailCtrlError(FAILURE_CODES[err.failure], err.message);
}

/**
 * A handler whose directory failures come out in XMail's codes. Decision 11: a user named through
 * an alias domain that does not exist answers -00012 (XMail looks it up on another path then).
 */
export function inXMailTerms(handler: CtrlHandler): CtrlHandler {
  return async (args, ctx) => {
    try {
      return await handler(args, ctx);
    } catch (err) {
      if (err instanceof DirectoryAdminError && err.failure === 'user-not-found' && err.named) {
        const canonical = await ctx.domains.canonical(err.named.domain);
        if (canonical !== null && canonical !== err.named.domain.toLowerCase()) {
          throw new XMailCtrlError('USER_NOT_FOUND', err.message);
        }
      }
      throw asXMailError(err);
    }
  };
}

/**
 * XMail's host-name check (§2.2): an empty label (leading, trailing or doubled dot) is a bad
 * address (-00132); other syntax errors are left to the directory's validation (-00260).
 */
export function checkHostLabels(domain: string): void {
  if (domain === '' || domain.startsWith('.') || domain.endsWith('.') || domain.includes('..')) {
    throw new XMailCtrlError('BAD_TAG_ADDRESS', `empty label in ${JSON.stringify(domain)}`);
  }
}

/** `name@domain` split at the last `@`; both sides non-empty else -00132 (exaliaslist filters). */
export function splitPattern(address: string): { name: string; domain: string } {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) throw new XMailCtrlError('BAD_TAG_ADDRESS', address);
  return { name: address.slice(0, at), domain: address.slice(at + 1) };
}
