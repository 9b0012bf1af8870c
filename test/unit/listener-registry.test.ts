import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import {
  ConfigError,
  Kernel,
  KernelError,
  PluginStartError,
  definePlugin,
  type KernelOptions,
  type ListenAddress,
  type Plugin,
} from '../../core/index.js';
import { builtinListeners } from '../helpers/builtin-listeners.js';
import { quietLogger } from '../helpers/logger.js';

/** A plugin that declares `listeners` and, started, reports where the kernel says each must listen. */
function declaring(
  name: string,
  listeners: Plugin['listeners'],
  seen: Record<string, ListenAddress> = {},
): Plugin<unknown> {
  return definePlugin({
    name,
    version: '1.0.0',
    listeners,
    start(ctx) {
      for (const listener of Object.keys(listeners ?? {})) seen[listener] = ctx.listenAddress(listener);
    },
  });
}

const create = (plugins: Plugin<unknown>[], options: Omit<KernelOptions, 'plugins'> = {}) =>
  Kernel.create({ plugins, config: { plugins: {} }, logger: quietLogger(), ...options });

const at = (port: number, host = '127.0.0.1'): ListenAddress => ({ host, port });

describe('listener registry', () => {
  it('gives each declared listener its default, the config over it and --listen over both', async () => {
    const seen: Record<string, ListenAddress> = {};
    const kernel = await create(
      [
        declaring(
          'lmtp',
          { lmtp: { port: 2424 }, sieve: { port: 4190, host: '::1' }, hook: { port: 8080 } },
          seen,
        ),
      ],
      {
        config: { plugins: {}, listen: { sieve: at(4191), hook: at(8081) } },
        listen: { hook: at(8082, '0.0.0.0') },
      },
    );
    await kernel.start();
    await kernel.stop();
    assert.deepEqual(seen, { lmtp: at(2424), sieve: at(4191), hook: at(8082, '0.0.0.0') });
  });

  it('refuses a configured listener no loaded plugin declares, naming the known ones', async () => {
    const plugins = [
      declaring('lmtp', { lmtp: { port: 2424 } }),
      declaring('sieve', { sieve: { port: 4190 } }),
    ];
    await assert.rejects(
      create(plugins, { config: { plugins: {}, listen: { imap: at(1) } }, listen: { lmpt: at(2) } }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.deepEqual(err.problems, [
          'listen.imap: no loaded plugin declares a "imap" listener (known: lmtp, sieve)',
          '--listen lmpt: no loaded plugin declares a "lmpt" listener (known: lmtp, sieve)',
        ]);
        return true;
      },
    );
  });

  it('refuses two plugins that declare the same listener', async () => {
    await assert.rejects(
      create([declaring('one', { lmtp: { port: 2424 } }), declaring('two', { lmtp: { port: 2425 } })]),
      (err: unknown) =>
        err instanceof KernelError &&
        /plugins "one" and "two" both declare a "lmtp" listener/.test(err.message),
    );
  });

  it('refuses a declaration that is not { name: { port, host? } }', async () => {
    const bad = { ...declaring('old', undefined), listeners: ['lmtp'] } as unknown as Plugin<unknown>;
    await assert.rejects(create([bad]), /`listeners` must be an object/);
    await assert.rejects(
      create([declaring('odd', { LMTP: { port: 70000 } })]),
      /listener "LMTP": a name is lower-case words joined by dashes; listener "LMTP": `port` must be an integer from 0 to 65535/,
    );
  });

  it('fails the start of a plugin that opens a listener it did not declare', async () => {
    const sneaky = definePlugin({
      name: 'sneaky',
      version: '1.0.0',
      listeners: { lmtp: { port: 2424 } },
      start: (ctx) => void ctx.listenAddress('smtp'),
    });
    const kernel = await create([sneaky]);
    await assert.rejects(
      kernel.start(),
      (err: unknown) =>
        err instanceof PluginStartError &&
        /opens a "smtp" listener it does not declare in `listeners`/.test(err.message),
    );
  });

  it("lists in README's listener table exactly the built-in plugins' listeners and default ports", async () => {
    const readme = await readFile(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
    const table = /^\| listener .*\n\|[-| ]+\n((?:\|.*\n)+)/m.exec(readme)?.[1];
    assert.ok(table, 'README has a listener table');
    const documented = new Map<string, number>();
    for (const row of table.trimEnd().split('\n')) {
      const cells = row.split('|').map((cell) => cell.trim());
      for (let i = 1; i + 1 < cells.length; i += 3)
        if (cells[i]) documented.set(cells[i], Number(cells[i + 1]));
    }
    const declared = new Map([...(await builtinListeners())].map(([name, { port }]) => [name, port]));
    assert.deepEqual(documented, declared);
  });
});
