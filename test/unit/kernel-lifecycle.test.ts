import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import {
  ConfigError,
  Kernel,
  KernelError,
  PluginStartError,
  definePlugin,
  type Plugin,
} from '../../core/index.js';
import { quietLogger } from '../helpers/logger.js';

/** A plugin that records its lifecycle into `events`. */
function recorder(events: string[], name: string, extra: Partial<Plugin<unknown>> = {}): Plugin<unknown> {
  return definePlugin({
    name,
    version: '1.0.0',
    register: () => void events.push(`register ${name}`),
    start: () => {
      events.push(`start ${name}`);
      return () => void events.push(`stop ${name}`);
    },
    ...extra,
  });
}

const create = (plugins: Plugin<unknown>[], config = {}) =>
  Kernel.create({ plugins, config: { plugins: {}, ...config }, logger: quietLogger() });

describe('kernel lifecycle', () => {
  it('registers all, starts in dependency order and stops in reverse', async () => {
    const events: string[] = [];
    const kernel = await create([
      recorder(events, 'c', { dependsOn: ['b'] }),
      recorder(events, 'a'),
      recorder(events, 'b', { dependsOn: ['a'] }),
    ]);
    await kernel.start();
    await kernel.stop();
    assert.deepEqual(events, [
      'register a',
      'register b',
      'register c',
      'start a',
      'start b',
      'start c',
      'stop c',
      'stop b',
      'stop a',
    ]);
  });

  it('resolves a dependency on a capability another plugin provides', async () => {
    const events: string[] = [];
    const kernel = await create([
      recorder(events, 'consumer', { dependsOn: ['queue'] }),
      recorder(events, 'bullmq', { provides: ['queue'] }),
    ]);
    assert.deepEqual(kernel.pluginNames, ['bullmq', 'consumer']);
  });

  it('stops the plugins already started, in reverse, when one fails to start, and rethrows its error', async () => {
    const events: string[] = [];
    const boom = new Error('port in use');
    const kernel = await create([
      recorder(events, 'a'),
      recorder(events, 'b', { dependsOn: ['a'] }),
      recorder(events, 'bad', {
        dependsOn: ['b'],
        start: () => {
          events.push('start bad');
          throw boom;
        },
      }),
      recorder(events, 'after', { dependsOn: ['bad'] }),
    ]);
    await assert.rejects(kernel.start(), (err: unknown) => {
      assert.ok(err instanceof PluginStartError);
      assert.equal(err.plugin, 'bad');
      assert.equal(err.cause, boom);
      assert.match(err.message, /plugin "bad" failed to start: port in use/);
      return true;
    });
    assert.deepEqual(events.slice(4), ['start a', 'start b', 'start bad', 'stop b', 'stop a']);
  });

  it('stops within the shutdown timeout when a plugin never finishes stopping, and still stops the others', async () => {
    const events: string[] = [];
    const stuck = definePlugin({
      name: 'stuck',
      version: '1.0.0',
      start: (ctx) => {
        ctx.shutdownSignal.addEventListener('abort', () => events.push('abort seen by stuck'));
        return () => new Promise<void>(() => undefined); // ignores the abort too
      },
    });
    const kernel = await create([recorder(events, 'first'), stuck]);
    await kernel.start();
    const started = Date.now();
    await kernel.stop(200);
    const took = Date.now() - started;
    assert.deepEqual(events, ['register first', 'start first', 'abort seen by stuck', 'stop first']);
    assert.ok(took >= 200 && took < 200 + 2_000 + 1_000, `stop took ${took} ms`);
  });

  it('names every missing dependency before anything starts', async () => {
    const events: string[] = [];
    await assert.rejects(
      create([
        recorder(events, 'a', { dependsOn: ['ghost'] }),
        recorder(events, 'b', { dependsOn: ['phantom', 'a'] }),
      ]),
      (err: unknown) => {
        assert.ok(err instanceof KernelError);
        assert.match(err.message, /plugin "a" depends on "ghost", which is not loaded/);
        assert.match(err.message, /plugin "b" depends on "phantom", which is not loaded/);
        return true;
      },
    );
    assert.deepEqual(events, []);
  });

  it('reports a dependency cycle as a path of names', async () => {
    const events: string[] = [];
    await assert.rejects(
      create([
        recorder(events, 'x', { dependsOn: ['z'] }),
        recorder(events, 'y', { dependsOn: ['x'] }),
        recorder(events, 'z', { dependsOn: ['y'] }),
      ]),
      /plugin dependency cycle: x -> z -> y -> x/,
    );
    assert.deepEqual(events, []);
  });

  it('rejects two plugins with one name', async () => {
    await assert.rejects(create([recorder([], 'dup'), recorder([], 'dup')]), /two plugins are named "dup"/);
  });

  it('keeps two kernels in one process apart: containers, hooks and metrics', async () => {
    const token = Symbol('thing');
    const plugin = (value: string): Plugin<unknown> => ({
      name: 'holder',
      version: '1',
      register: (container) => void container.registerInstance(token, value),
    });
    const one = await create([plugin('one')]);
    const two = await create([plugin('two')]);
    await one.start();
    await two.start();
    assert.equal(one.container.resolve(token), 'one');
    assert.equal(two.container.resolve(token), 'two');
    one.hooks.on('rcpt', 'test', () => ({ action: 'reject', code: 550, text: 'no' }));
    assert.equal(two.hooks.has('rcpt'), false);
    one.metrics.countMessage('accepted', 3);
    const count = async (k: Kernel) =>
      (await k.metrics.messages.get()).values.find((v) => v.labels.outcome === 'accepted')?.value;
    assert.equal(await count(one), 3);
    assert.equal(await count(two), 0);
    await one.stop();
    await two.stop();
  });
});

describe('kernel config checks', () => {
  const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

  it('validates a plugin section and names the file, the key path and what was expected', async () => {
    const spec = fixture('greeter-plugin.js');
    await assert.rejects(
      Kernel.create({
        config: { plugins: { [spec]: { port: 'eighty', colour: 'blue' } } },
        source: '/etc/mailwright.yaml',
        logger: quietLogger(),
      }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        const lines = err.message.split('\n');
        assert.equal(lines[0], '/etc/mailwright.yaml: invalid configuration');
        assert.ok(
          lines.some((l) => l.includes(`plugins.${spec}.port: `) && /expected number/.test(l)),
          err.message,
        );
        assert.ok(
          lines.some((l) => l.includes(`plugins.${spec}: `) && /colour/.test(l)),
          err.message,
        );
        return true;
      },
    );
  });

  it('hands the validated config, defaults filled in, to start', async () => {
    let seen: unknown;
    const greeter = (await import('../fixtures/greeter-plugin.js')).default;
    const kernel = await Kernel.create({
      plugins: [{ ...greeter, start: (ctx) => void (seen = ctx.config) }],
      config: { plugins: { greeter: { port: 25 } } },
      logger: quietLogger(),
    });
    await kernel.start();
    await kernel.stop();
    assert.deepEqual(seen, { port: 25, greeting: 'hello' });
  });

  it('refuses settings for a plugin that declares no schema', async () => {
    await assert.rejects(
      create([recorder([], 'plain')], { plugins: { plain: { x: 1 } } }),
      /plugins\.plain: plugin "plain" takes no settings/,
    );
  });

  it('explains a module that is not a plugin, and a path that does not exist', async () => {
    await assert.rejects(
      create([], { plugins: { [fixture('not-a-plugin.js')]: true } }),
      /is not a valid plugin: it exports no plugin/,
    );
    await assert.rejects(
      create([], { plugins: { './no/such/plugin.js': true } }),
      /cannot load plugin "\.\/no\/such\/plugin\.js"/,
    );
  });
});
