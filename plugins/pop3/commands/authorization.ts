import { login, PLAINTEXT_REFUSED } from '../login.js';
import type { Pop3Session } from '../session.js';
import type { Pop3Command } from './index.js';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** RFC 2595. */
export const STLS: Pop3Command = {
  states: ['authorization'],
  async run(session) {
    if (session.isSecure) {
      session.send('-ERR the connection already uses TLS');
      return;
    }
    session.send('+OK begin TLS negotiation');
    await session.startTls();
  },
};

export const USER: Pop3Command = {
  states: ['authorization'],
  async run(session, argument) {
    // Refused before PASS, so the client never sends the password in clear.
    if (!session.authAllowed) return session.send(PLAINTEXT_REFUSED);
    if (argument === '') return session.send('-ERR USER needs a name');
    session.pendingUser = argument;
    session.send('+OK send PASS');
  },
};

export const PASS: Pop3Command = {
  states: ['authorization'],
  async run(session, argument) {
    const user = session.pendingUser;
    session.pendingUser = undefined;
    if (user === undefined) return session.send('-ERR send USER first');
    await login(session, user, true, session.services.login.passwordCheck(argument));
  },
};

/** RFC 1939 §7; offered only when legacy secrets are on, and it works only for accounts that have one. */
export const APOP: Pop3Command = {
  states: ['authorization'],
  async run(session, argument) {
    session.pendingUser = undefined;
    const timestamp = session.apopTimestamp;
    if (!timestamp) return session.send('-ERR APOP is not available on this server');
    const match = /^(\S+) ([0-9a-fA-F]{32})$/.exec(argument);
    if (!match) return session.send('-ERR usage: APOP name digest');
    const { credentials } = session.services;
    await login(session, match[1], false, (account) => credentials.apop(account, timestamp, match[2]));
  },
};

/** RFC 5034 with PLAIN (RFC 4616) and LOGIN; `AUTH` alone lists the mechanisms. */
export const AUTH: Pop3Command = {
  states: ['authorization'],
  async run(session, argument) {
    session.pendingUser = undefined;
    if (!session.authAllowed) return session.send(PLAINTEXT_REFUSED);
    const [mechanism = '', initial, extra] = argument.split(' ');
    if (mechanism === '') return session.send('+OK\r\nPLAIN\r\nLOGIN\r\n.');
    if (extra !== undefined) return session.send('-ERR usage: AUTH mechanism [initial-response]');
    switch (mechanism.toUpperCase()) {
      case 'PLAIN': {
        const response = await saslStep(session, '', initial);
        if (response === null) return;
        const [authzid, authcid, password] = response.split('\0');
        if (password === undefined || (authzid !== '' && authzid !== authcid))
          return session.send('-ERR [AUTH] invalid user name or password');
        return login(session, authcid, true, session.services.login.passwordCheck(password));
      }
      case 'LOGIN': {
        const user = await saslStep(session, 'Username:', initial);
        if (user === null) return;
        const password = await saslStep(session, 'Password:', undefined);
        if (password === null) return;
        return login(session, user, true, session.services.login.passwordCheck(password));
      }
      default:
        session.send('-ERR unsupported SASL mechanism (use PLAIN or LOGIN)');
    }
  },
};

/**
 * One SASL exchange: the initial response if the client gave one ("=" is an empty one), else a
 * "+ challenge" and the client's next line. Null (already answered) when the client cancelled
 * or sent something that is not base64.
 */
async function saslStep(
  session: Pop3Session,
  challenge: string,
  initial: string | undefined,
): Promise<string | null> {
  let encoded = initial;
  if (encoded === undefined) {
    session.send(`+ ${Buffer.from(challenge).toString('base64')}`);
    const line = await session.readLine();
    if (line === null) return null;
    if ('tooLong' in line) {
      session.send('-ERR [AUTH] response too long');
      return null;
    }
    encoded = line.text;
  }
  if (encoded === '*') {
    session.send('-ERR [AUTH] authentication cancelled');
    return null;
  }
  if (encoded === '=') return '';
  if (!BASE64.test(encoded)) {
    session.send('-ERR [AUTH] the response is not valid base64');
    return null;
  }
  return Buffer.from(encoded, 'base64').toString('utf8');
}
