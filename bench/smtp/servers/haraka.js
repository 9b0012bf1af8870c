import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { ensureNpmPackage } from '../../lib/install.js';
import { freePort } from '../../lib/ports.js';
import { runCommand, startProcess, waitForPort } from '../../lib/processes.js';
import { startSink } from './sink.js';

const PREFIX = fileURLToPath(new URL('../../../.cache/bench-haraka', import.meta.url));
const HARAKA = path.join(PREFIX, 'node_modules/Haraka/bin/haraka');

export function installHaraka() {
  return ensureNpmPackage({ prefix: PREFIX, spec: 'Haraka@3', marker: HARAKA });
}

/**
 * Haraka 3 from npm, one process (`nodes=0`, no cluster), in a config dir made by `haraka -i`:
 * - mode 'discard': rcpt_to.in_host_list accepts the test domain, queue/discard drops the message
 *   after DATA (what Haraka does with nothing behind it);
 * - mode 'queue': the relay plugin trusts loopback, so messages go to Haraka's own outbound disk
 *   queue (each file fsynced before the 250) and from there by SMTP to a Postfix smtp-sink, to
 *   which smtp_forward's get_mx hook routes the domain. "Delivered" = relayed out of that queue.
 */
export async function startHaraka({ dir, port, domain, mode }) {
  const init = await runCommand(process.execPath, [HARAKA, '-i', dir]);
  if (init.code !== 0) throw new Error(`haraka -i failed:\n${init.stderr}`);
  const config = (name, text) => writeFile(path.join(dir, 'config', name), text);
  // nodes=0: one process, no cluster master beside it (unset, Haraka forks 1 worker from a master).
  await config('smtp.ini', `[main]\nlisten=127.0.0.1:${port}\nnodes=0\n`);
  await config('log.ini', '[main]\nlevel=warn\ntimestamps=false\nformat=default\n');
  let sink;
  if (mode === 'discard') {
    await config('host_list', `${domain}\n`);
    await config('plugins', 'rcpt_to.in_host_list\nqueue/discard\n');
  } else {
    const sinkPort = await freePort();
    sink = await startSink({ port: sinkPort, name: 'smtp-sink (haraka next hop)' });
    await config('relay.ini', '[relay]\nacl=true\n');
    await config('relay_acl_allow', '127.0.0.1/8\n');
    // get_mx routes only domains with their own section; the outbound queue then relays there.
    await config(
      'smtp_forward.ini',
      `host=127.0.0.1\nport=${sinkPort}\nenable_outbound=false\n\n[${domain}]\nhost=127.0.0.1\nport=${sinkPort}\n`,
    );
    await config('plugins', 'relay\nqueue/smtp_forward\n');
  }
  const server = startProcess(`haraka (${mode})`, process.execPath, [HARAKA, '-c', dir], {
    cwd: dir,
    env: mode === 'discard' ? { YES_REALLY_DO_DISCARD: '1' } : {},
  });
  await Promise.race([
    waitForPort(port, '127.0.0.1', 60_000),
    server.exited.then(() => {
      throw new Error(`haraka exited during start-up:\n${server.output()}`);
    }),
  ]);
  const queueDir = path.join(dir, 'queue');
  return {
    rootPids: async () => [server.pid],
    // Messages still in the outbound queue; the caller counts what left it.
    pending:
      mode === 'queue'
        ? async () =>
            (await readdir(queueDir).catch(() => [])).filter(
              (f) => !f.startsWith('.') && !f.startsWith('error.'),
            ).length
        : undefined,
    stop: async () => {
      await server.stop();
      await sink?.stop();
    },
  };
}
