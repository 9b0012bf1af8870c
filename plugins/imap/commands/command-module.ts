import type { CommandEvent, ImapCommand, ResponseCode } from '../protocol/index.js';
import type { ImapSession, ImapState } from '../session/session.js';

/** How a command ends: the tagged status response the session writes. */
export interface Completion {
  readonly status: 'OK' | 'NO' | 'BAD';
  readonly text: string;
  readonly code?: ResponseCode;
  /** The command already told the client everything (SELECT): no untagged updates before the completion. */
  readonly skipUpdates?: boolean;
  /** The command wrote its tagged response itself (STARTTLS, before the handshake). */
  readonly alreadySent?: boolean;
}

/**
 * One command (or a pair sharing their logic: SELECT/EXAMINE, LIST/LSUB). The session checks the
 * state and runs it; malformed arguments are thrown as ImapParseError (a tagged BAD with its text).
 */
export interface CommandModule {
  readonly names: readonly string[];
  /** The states RFC 3501 allows it in. */
  readonly states: readonly ImapState[];
  /** `UID <name>` runs it too (with `command.uid` set). */
  readonly uid?: boolean;
  run(command: ImapCommand, session: ImapSession, event: CommandEvent): Promise<Completion>;
}

export const ANY_STATE: readonly ImapState[] = ['not-authenticated', 'authenticated', 'selected'];
export const NOT_AUTHENTICATED: readonly ImapState[] = ['not-authenticated'];
export const AUTHENTICATED: readonly ImapState[] = ['authenticated', 'selected'];
export const SELECTED: readonly ImapState[] = ['selected'];

export function ok(text: string, code?: ResponseCode): Completion {
  return { status: 'OK', text, code };
}

export function no(text: string, code?: ResponseCode): Completion {
  return { status: 'NO', text, code };
}

export function bad(text: string, code?: ResponseCode): Completion {
  return { status: 'BAD', text, code };
}
