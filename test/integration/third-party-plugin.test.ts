import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import { homePaths } from '../../core/runtime/home.js';
import { CLI, startServer, type RunningServer } from '../helpers/cli-process.js';

const run = promisify(execFile);
const pluginPath = fileURLToPath(new URL('../../../examples/third-party-plugin/index.js', import.meta.url));
const customBuild = fileURLToPath(new URL('../../../examples/custom-build/mailwright.yaml', import.meta.url));

/**
 * examples/third-party-plugin, loaded by path from a config file as an operator would, in a real
 * `mailwright start` process: its rcpt hook refuses the configured address with 550 over SMTP,
 * and its delivered hook writes a line for the message that was delivered.
 */
describe('a third-party plugin loaded by path', () => {
  let home: string;
  let server: RunningServer;
  let logFile: string;

  before(async () => {
    home = await mkdtemp(path.join(tmpdir(), 'mw-third-party-'));
    logFile = path.join(home, 'deliveries.log');
    const config = path.join(home, 'mailwright.yaml');
    await writeFile(
      config,
      [
        `home: ${home}`,
        'plugins:',
        '  smtp: { reverseDns: false }',
        '  queue: {}',
        `  ${JSON.stringify(pluginPath)}:`,
        '    rejectAddress: blocked@plugin.test',
        `    deliveryLog: ${JSON.stringify(logFile)}`,
        '',
      ].join('\n'),
    );
    // A domain with two users, straight into the file storage the server will use (the default).
    const { createStorage } = await import('../../storage-adapters/file/index.js');
    const storage = createStorage(`file:${homePaths(home).mail}`);
    await storage.open();
    await storage.domains.addDomain('plugin.test');
    for (const name of ['alice', 'blocked']) {
      await storage.accounts.addAccount({
        domain: 'plugin.test',
        name,
        kind: 'user',
        credential: { scheme: 'none' },
        vars: [],
      });
    }
    await storage.close();
    server = await startServer([
      '--config',
      config,
      '--listen',
      'smtp=127.0.0.1:0',
      '--listen',
      'submission=127.0.0.1:0',
      '--listen',
      'smtps=127.0.0.1:0',
    ]);
  });

  after(async () => {
    await server?.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('refuses the configured recipient with 550 and logs the delivery of the other', async () => {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: server.ports.get('smtp'),
      secure: false,
      ignoreTLS: true,
    });
    await assert.rejects(
      transport.sendMail({
        envelope: { from: 'x@remote.test', to: ['blocked@plugin.test'] },
        raw: 'Subject: no\r\n\r\nno\r\n',
      }),
      (err: { responseCode?: number; response?: string }) => {
        assert.equal(err.responseCode, 550);
        assert.equal(err.response, '550 5.7.1 This address does not take mail');
        return true;
      },
    );
    const info = await transport.sendMail({
      envelope: { from: 'x@remote.test', to: ['alice@plugin.test'] },
      raw: 'Subject: yes\r\n\r\nyes\r\n',
    });
    const queueId = /queued as (\S+)/.exec(info.response)?.[1];
    assert.ok(queueId, info.response);

    let log = '';
    for (let i = 0; i < 50 && !log; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      log = await readFile(logFile, 'utf8').catch(() => '');
    }
    assert.match(
      log,
      new RegExp(`^\\S+Z ${queueId} alice@plugin\\.test alice@plugin\\.test/INBOX;UID=1\\n$`),
    );
  });

  it('is accepted by `mailwright config check`, as is the custom-build example', async () => {
    const config = path.join(home, 'mailwright.yaml');
    assert.match(
      (await run(process.execPath, [CLI, 'config', 'check', config])).stdout,
      /OK \(plugins: .*reject-and-log/,
    );
    assert.match(
      (await run(process.execPath, [CLI, 'config', 'check', customBuild])).stdout,
      /: OK \(plugins: /,
    );
  });
});
