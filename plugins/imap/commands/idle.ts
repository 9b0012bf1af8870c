import { continuation } from '../protocol/index.js';
import type { ImapSession } from '../session/session.js';
import { expectArgs } from './arguments.js';
import { AUTHENTICATED, ok, type CommandModule } from './command-module.js';

/**
 * RFC 2177 IDLE: `+ idling`, then changes to the selected folder go out as they happen (EXISTS,
 * EXPUNGE, FETCH FLAGS), whichever session, process or delivery made them (core's mailbox change
 * events, over Redis between processes), until the client sends DONE.
 */
export const idle: CommandModule = {
  names: ['IDLE'],
  states: AUTHENTICATED,
  async run(command, session) {
    expectArgs(command, 0);
    let wake: (() => void) | undefined;
    let pending = false;
    const unsubscribe = session.services.events.subscribe(session.account!, (event) => {
      if (session.selected && event.path !== session.selected.path) return;
      pending = true;
      wake?.();
    });
    try {
      await session.write(continuation('idling'));
      // Changes made between the last command and the subscription.
      await announce(session);
      const done = session.readLine();
      for (;;) {
        const changed = new Promise<'changed'>((resolve) => {
          wake = () => resolve('changed');
          if (pending) resolve('changed');
        });
        const outcome = await Promise.race([done, changed]);
        if (outcome !== 'changed') {
          if (!outcome || outcome.kind === 'too-long') return { status: 'BAD', text: 'Expected DONE' };
          const line = outcome.raw.toString('latin1').replace(/\r?\n$/, '');
          if (line.toUpperCase() !== 'DONE') return { status: 'BAD', text: 'Expected DONE' };
          return ok('IDLE terminated');
        }
        pending = false;
        await announce(session);
      }
    } finally {
      unsubscribe();
    }
  },
};

async function announce(session: ImapSession): Promise<void> {
  await session.selected?.announceChanges(session, { expunges: true });
}
