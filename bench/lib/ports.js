import { createServer } from 'node:net';

/**
 * A TCP port on `host` that was free a moment ago (the OS picks it for a listener on port 0, which
 * is then closed). For servers we cannot tell to listen on port 0 and report back (Postfix, Haraka,
 * smtp-sink). A race with another process is possible but rare on a benchmark machine.
 */
export function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
