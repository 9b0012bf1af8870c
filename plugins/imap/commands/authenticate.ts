import { continuation } from '../protocol/index.js';
import { logIn, PLAINTEXT_REFUSED } from '../session/log-in.js';
import type { ImapSession } from '../session/session.js';
import { astring, expectArgs } from './arguments.js';
import { NOT_AUTHENTICATED, type CommandModule, type Completion } from './command-module.js';

/**
 * RFC 3501 §6.2.2 with SASL-IR (RFC 4959): PLAIN (RFC 4616) and LOGIN. Responses are base64 lines;
 * `*` cancels (RFC 3501: a tagged BAD).
 */
export const authenticate: CommandModule = {
  names: ['AUTHENTICATE'],
  states: NOT_AUTHENTICATED,
  async run(command, session) {
    expectArgs(command, 1, 2);
    const mechanism = astring(command, 0, 'a SASL mechanism').toUpperCase();
    const initial = command.args.length === 2 ? astring(command, 1, 'an initial response') : undefined;
    if (mechanism !== 'PLAIN' && mechanism !== 'LOGIN') {
      return { status: 'NO', text: `Unsupported mechanism ${mechanism}`, code: { name: 'CANNOT' } };
    }
    if (!session.plaintextAllowed) return PLAINTEXT_REFUSED;
    return mechanism === 'PLAIN' ? plain(session, initial) : loginMechanism(session, initial);
  },
};

const CANCELLED: Completion = { status: 'BAD', text: 'AUTHENTICATE cancelled' };
const MALFORMED: Completion = { status: 'BAD', text: 'Malformed SASL response' };

/** `authzid NUL authcid NUL password`; an authzid other than the user is refused. */
async function plain(session: ImapSession, initial: string | undefined): Promise<Completion> {
  const response = initial === undefined ? await challenge(session, '') : decodeInitial(initial);
  if (response === 'cancel') return CANCELLED;
  if (response === null) return MALFORMED;
  const parts = response.toString('utf8').split('\0');
  if (parts.length !== 3) return MALFORMED;
  const [authzid, username, password] = parts;
  if (authzid !== '' && authzid !== username) {
    return {
      status: 'NO',
      text: 'Logging in as another user is not allowed',
      code: { name: 'AUTHORIZATIONFAILED' },
    };
  }
  return logIn(session, username, password);
}

/** The LOGIN mechanism: `Username:` and `Password:` challenges. */
async function loginMechanism(session: ImapSession, initial: string | undefined): Promise<Completion> {
  const user = initial === undefined ? await challenge(session, 'VXNlcm5hbWU6') : decodeInitial(initial);
  if (user === 'cancel') return CANCELLED;
  if (user === null) return MALFORMED;
  const password = await challenge(session, 'UGFzc3dvcmQ6');
  if (password === 'cancel') return CANCELLED;
  if (password === null) return MALFORMED;
  return logIn(session, user.toString('utf8'), password.toString('utf8'));
}

/** SASL-IR: `=` is an empty initial response. */
function decodeInitial(text: string): Buffer | null {
  return text === '=' ? Buffer.alloc(0) : base64(text);
}

/** Sends `+ <challenge>` and reads the client's base64 line. */
async function challenge(session: ImapSession, text: string): Promise<Buffer | 'cancel' | null> {
  await session.write(continuation(text));
  const event = await session.readLine();
  if (!event || event.kind === 'too-long') return null;
  const line = event.raw.toString('latin1').replace(/\r?\n$/, '');
  if (line === '*') return 'cancel';
  return base64(line);
}

function base64(text: string): Buffer | null {
  return /^[A-Za-z0-9+/]*={0,2}$/.test(text) && text.length % 4 === 0 ? Buffer.from(text, 'base64') : null;
}
