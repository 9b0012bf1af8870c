import type { EventEmitter } from 'node:events';

/**
 * The error boundary of one connection's event listeners. A listener of a socket that throws (a
 * 'data' handler, an 'error' event nobody listens to) is an uncaught exception, which ends the
 * process and every other client's session with it. After this, every event of `emitter` is
 * delivered inside a try/catch that hands the exception to `onThrow` instead.
 */
export function guardEvents(emitter: EventEmitter, onThrow: (err: unknown) => void): void {
  const emit = emitter.emit;
  emitter.emit = function guardedEmit(
    this: EventEmitter,
    event: string | symbol,
    ...args: unknown[]
  ): boolean {
    try {
      return emit.call(this, event, ...args);
    } catch (err) {
      onThrow(err);
      return true;
    }
  };
}
