import type { Pop3Command } from './index.js';

/** RFC 2449: what this server can do in the session's current state. */
export const CAPA: Pop3Command = {
  states: ['authorization', 'transaction'],
  async run(session) {
    const lines = ['TOP', 'UIDL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING'];
    if (session.state === 'authorization') {
      if (session.authAllowed) lines.push('USER', 'SASL PLAIN LOGIN');
      if (!session.isSecure) lines.push('STLS');
    }
    lines.push(`IMPLEMENTATION ${session.services.config.implementation}`);
    session.send(['+OK capability list follows', ...lines, '.'].join('\r\n'));
  },
};

/** In TRANSACTION, QUIT enters UPDATE: only now are the messages marked deleted removed. */
export const QUIT: Pop3Command = {
  states: ['authorization', 'transaction'],
  async run(session) {
    if (session.state === 'authorization') {
      session.send('+OK bye');
    } else {
      try {
        const removed = await session.update();
        session.send(`+OK ${removed} message${removed === 1 ? '' : 's'} deleted, bye`);
      } catch (err) {
        session.logger.error({ err }, 'removing deleted messages failed');
        session.send('-ERR [SYS/TEMP] some deleted messages not removed');
      }
    }
    session.end();
  },
};
