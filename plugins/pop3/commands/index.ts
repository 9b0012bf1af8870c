import type { Pop3Session } from '../session.js';
import { APOP, AUTH, PASS, STLS, USER } from './authorization.js';
import { CAPA, QUIT } from './any-state.js';
import { DELE, LIST, NOOP, RETR, RSET, STAT, TOP, UIDL } from './transaction.js';

/** RFC 1939 session states. */
export type Pop3State = 'authorization' | 'transaction' | 'update';

export interface Pop3Command {
  /** States the command is valid in; elsewhere it is refused before it runs. */
  states: readonly Pop3State[];
  /** `argument` is everything after the first space, unparsed (a password may contain spaces). */
  run(session: Pop3Session, argument: string): Promise<void>;
}

export const COMMANDS: Record<string, Pop3Command> = {
  CAPA,
  QUIT,
  STLS,
  USER,
  PASS,
  APOP,
  AUTH,
  STAT,
  LIST,
  RETR,
  DELE,
  NOOP,
  RSET,
  TOP,
  UIDL,
};
