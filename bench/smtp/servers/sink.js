import { startProcess, waitForPort } from '../../lib/processes.js';

export const SMTP_SINK = '/usr/sbin/smtp-sink';

/**
 * Postfix's smtp-sink on 127.0.0.1:`port`: accepts every message and throws it away, as fast as an
 * SMTP server can. The ceiling of what this machine and load generator can do, and the next hop
 * for the Haraka queue variant. `-u nobody` because it refuses to run as root.
 */
export async function startSink({ port, name = 'smtp-sink' }) {
  const sink = startProcess(name, SMTP_SINK, ['-u', 'nobody', `127.0.0.1:${port}`, '256']);
  await waitForPort(port);
  return {
    rootPids: async () => [sink.pid],
    stop: () => sink.stop(),
  };
}
