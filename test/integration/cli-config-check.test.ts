/**
 * `mailwright config check FILE`: listener names (`listen:`) and per-listener settings
 * (`plugins.<name>.listeners:`) are checked against the listeners the loaded plugins declare,
 * with the very report `mailwright start` gives for the same file, and a good file passes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CLI } from '../helpers/cli-process.js';

const run = promisify(execFile);

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function mailwright(...args: string[]): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const { code, stdout, stderr } = err as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

describe('mailwright config check', () => {
  let dir: string;
  const file = (name: string) => path.join(dir, name);

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'mw-config-check-'));
    const plugins = ['plugins:', '  queue: {}'];
    await writeFile(
      file('good.yaml'),
      [
        ...plugins,
        '  smtp:',
        '    plaintextAuth: trusted',
        '    listeners:',
        '      smtp: { plaintextAuth: anywhere }',
        '  pop3:',
        '    listeners:',
        '      pop3: { trustedNetworks: [10.0.0.0/8] }',
        "  xmail-ctrl: { listeners: { xmail-ctrl: { plaintextAuth: 'trusted' } } }",
        'listen:',
        '  smtp: 127.0.0.1:2525',
        '  pop3s: 127.0.0.1:2995',
        '',
      ].join('\n'),
    );
    await writeFile(
      file('unknown-listener.yaml'),
      [...plugins, '  smtp: {}', 'listen:', '  submision: 127.0.0.1:2587', ''].join('\n'),
    );
    await writeFile(
      file('unknown-override.yaml'),
      [
        ...plugins,
        '  smtp:',
        '    listeners:',
        '      submision: { plaintextAuth: anywhere }',
        '  pop3:',
        '    listeners:',
        // Declared, but by another plugin.
        '      xmail-ctrl: { plaintextAuth: anywhere }',
        '  xmail-ctrl: {}',
        'listen:',
        '  pop4: 127.0.0.1:2110',
        '',
      ].join('\n'),
    );
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('passes a file whose listener names and per-listener settings are all known', async () => {
    const outcome = await mailwright('config', 'check', file('good.yaml'));
    assert.equal(outcome.code, 0, outcome.stderr);
    assert.match(outcome.stdout, /good\.yaml: OK \(plugins: queue, smtp, pop3, xmail-ctrl\)/);
  });

  it('fails on a listen: name no loaded plugin declares, with the known names', async () => {
    const outcome = await mailwright('config', 'check', file('unknown-listener.yaml'));
    assert.equal(outcome.code, 1);
    assert.equal(
      outcome.stderr,
      `mailwright: ${file('unknown-listener.yaml')}: invalid configuration\n` +
        '  - listen.submision: no loaded plugin declares a "submision" listener (known: smtp, submission, smtps)\n',
    );
  });

  it("fails on a per-listener entry for a listener its plugin does not declare (another plugin's too), reporting listen: names with it", async () => {
    const outcome = await mailwright('config', 'check', file('unknown-override.yaml'));
    assert.equal(outcome.code, 1);
    assert.equal(
      outcome.stderr,
      `mailwright: ${file('unknown-override.yaml')}: invalid configuration\n` +
        '  - plugins.smtp.listeners: the plugin declares no "submision" listener (known: smtp, submission, smtps)\n' +
        '  - plugins.pop3.listeners: the plugin declares no "xmail-ctrl" listener (known: pop3, pop3s)\n' +
        '  - listen.pop4: no loaded plugin declares a "pop4" listener (known: smtp, submission, smtps, pop3, pop3s, xmail-ctrl, xmail-ctrls)\n',
    );
  });

  it('reports exactly what `mailwright start` reports for the same file', async () => {
    for (const name of ['unknown-listener.yaml', 'unknown-override.yaml']) {
      const check = await mailwright('config', 'check', file(name));
      const start = await mailwright(
        'start',
        '--no-supervise',
        '--home',
        file('home'),
        '--config',
        file(name),
      );
      assert.equal(start.code, 1);
      assert.equal(start.stderr, check.stderr);
    }
  });
});
