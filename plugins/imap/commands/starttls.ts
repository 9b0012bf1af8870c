import { expectArgs } from './arguments.js';
import { NOT_AUTHENTICATED, type CommandModule } from './command-module.js';
import { statusResponse } from '../protocol/index.js';

/**
 * RFC 3501 §6.2.1: the tagged OK, then the handshake on the same connection. What the client sent
 * before it is dropped (RFC 3501 §11.1 / RFC 2595 §3.1); the capabilities change afterwards, so a
 * client asks again.
 */
export const starttls: CommandModule = {
  names: ['STARTTLS'],
  states: NOT_AUTHENTICATED,
  async run(command, session) {
    expectArgs(command, 0);
    if (session.secure) return { status: 'BAD', text: 'TLS is already active' };
    await session.write(statusResponse(command.tag, 'OK', 'Begin TLS negotiation now'));
    await session.startTls();
    return { status: 'OK', text: 'Begin TLS negotiation now', alreadySent: true };
  },
};
