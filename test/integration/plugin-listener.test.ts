import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CLI, startServer, type RunningServer } from '../helpers/cli-process.js';
import { freePort } from '../helpers/free-port.js';
import { LineClient } from '../helpers/line-client.js';

const run = promisify(execFile);
const pluginPath = fileURLToPath(new URL('../fixtures/line-echo-plugin.js', import.meta.url));

/**
 * A third-party plugin that declares a listener no built-in knows (`line-echo`), loaded by path
 * from a config file that sets its port, in a real `mailwright start` process.
 */
describe('a third-party plugin with a listener of its own', () => {
  let home: string;
  let config: string;
  let port: number;
  let server: RunningServer;

  before(async () => {
    home = await mkdtemp(path.join(tmpdir(), 'mw-plugin-listener-'));
    config = path.join(home, 'mailwright.yaml');
    port = await freePort();
    await writeFile(
      config,
      [
        `home: ${home}`,
        'plugins:',
        `  ${JSON.stringify(pluginPath)}: {}`,
        'listen:',
        `  line-echo: 127.0.0.1:${port}`,
        '',
      ].join('\n'),
    );
    server = await startServer(['--config', config]);
  });

  after(async () => {
    await server?.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('listens on the configured port and answers its line protocol', async () => {
    assert.equal(server.ports.get('line-echo'), port, server.output());
    const client = await LineClient.connect(port);
    assert.equal(await client.line(), '+OK line-echo ready');
    client.send('hello there');
    assert.equal(await client.line(), '+OK HELLO THERE');
    client.send('QUIT');
    assert.equal(await client.line(), '+OK bye');
    await client.ended;
  });

  it('refuses an unknown --listen name, naming the listeners the loaded plugins declare', async () => {
    await assert.rejects(
      run(process.execPath, [
        CLI,
        'start',
        '--no-supervise',
        '--config',
        config,
        '--listen',
        'lmtp=127.0.0.1:0',
      ]),
      (err: { code?: number; stderr?: string }) => {
        assert.notEqual(err.code, 0);
        assert.match(
          err.stderr ?? '',
          /--listen lmtp: no loaded plugin declares a "lmtp" listener \(known: line-echo\)/,
        );
        return true;
      },
    );
  });
});
