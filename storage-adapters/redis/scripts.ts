import type { Redis } from 'ioredis';
import { AlreadyExistsError, ConflictError, NotFoundError } from '../../core/ports/errors.js';
import * as directory from './lua/directory-scripts.js';
import * as events from './lua/event-scripts.js';
import * as mail from './lua/mail-scripts.js';
import { PRELUDE } from './lua/prelude.js';

const SOURCES = { ...directory, ...mail, ...events };
export type ScriptName = keyof typeof SOURCES;

type ScriptArg = string | number | Buffer;

/**
 * Runs the adapter's Lua scripts (registered with defineCommand, so EVALSHA with a fallback to
 * EVAL after a server restart) and turns their `NOTFOUND` / `EXISTS` / `CONFLICT` error replies
 * into the port's error classes.
 */
export class Scripts {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    for (const [name, body] of Object.entries(SOURCES)) {
      redis.defineCommand(commandName(name), { numberOfKeys: 0, lua: PRELUDE + body });
    }
  }

  async run(name: ScriptName, ...args: ScriptArg[]): Promise<unknown> {
    const command = (this.redis as unknown as Record<string, (...a: ScriptArg[]) => Promise<unknown>>)[
      commandName(name)
    ];
    try {
      return await command.call(this.redis, this.prefix, ...args);
    } catch (err) {
      throw portError(err);
    }
  }
}

function commandName(name: string): string {
  return `mw_${name}`;
}

function portError(err: unknown): unknown {
  const message = err instanceof Error ? err.message : '';
  const match = /^(NOTFOUND|EXISTS|CONFLICT) (.*)$/s.exec(message);
  if (!match) return err;
  const [, kind, text] = match;
  if (kind === 'NOTFOUND') return new NotFoundError(text);
  if (kind === 'EXISTS') return new AlreadyExistsError(text);
  return new ConflictError(text);
}
