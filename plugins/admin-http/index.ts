import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectionLimitsOf, definePlugin, listenerSettings, z } from '../../core/index.js';

const configSchema = z.strictObject({
  metricsPath: z.string().startsWith('/').default('/metrics'),
  ...listenerSettings({ maxConnections: 100, maxConnectionsPerAddress: 10 }),
  /** A client must send a whole request head within this time (slow-header attacks), else 408. */
  headersTimeoutSeconds: z.number().int().positive().max(600).default(20),
  /**
   * A connection on which nothing moves for this long is closed: a kept-alive one between
   * requests, and a client that stops in the middle of its request (which Node would otherwise
   * hold for its 60 s header timeout, and longer for a body).
   */
  idleTimeoutSeconds: z.number().int().positive().max(3600).default(10),
});

/** Said to a client over a cap, before the connection is closed (no request was read). */
const BUSY = 'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';

const PROTOCOL = 'admin-http';

/** `/metrics` (Prometheus text format) and `/healthz` on the admin-http listener. */
export default definePlugin<z.output<typeof configSchema>>({
  name: 'admin-http',
  version: '0.1.0',
  listeners: { 'admin-http': { port: 9180 } },
  configSchema,
  async start(ctx) {
    const { registry } = ctx.metrics;
    const route = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
      } else if (path === ctx.config.metricsPath) {
        const text = await registry.metrics();
        res.writeHead(200, { 'content-type': registry.contentType }).end(text);
      } else if (path === '/healthz') {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ status: 'ok', role: ctx.role }));
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      }
    };
    // The request boundary: whatever a request makes throw is that request's 500, never the
    // process's end (which would take every other listener with it).
    // Node checks the request timeouts only this often (30 s by default, longer than the timeouts).
    const server = createServer({ connectionsCheckingInterval: 1_000 }, (req, res) => {
      const path = pathOf(req.url);
      if (path === undefined) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('bad request target\n');
        return;
      }
      Promise.resolve()
        .then(() => route(req, res, path))
        .catch((err: unknown) => {
          ctx.logger.error({ err, method: req.method, url: req.url }, 'admin-http request failed');
          ctx.metrics.connectionErrors.inc({ protocol: PROTOCOL });
          if (res.headersSent) res.destroy();
          else res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error\n');
        });
    });
    // The caps every listener has: a client over them gets a 503 and is disconnected.
    const limits = connectionLimitsOf(ctx.config);
    server.on('connection', (socket) => {
      const admission = limits.admit(socket.remoteAddress ?? '');
      if (!admission.admitted) {
        ctx.metrics.refusedConnections.inc({ protocol: PROTOCOL, reason: admission.refusal });
        socket.end(BUSY);
        socket.destroySoon();
        return;
      }
      socket.once('close', admission.release);
    });
    server.headersTimeout = ctx.config.headersTimeoutSeconds * 1000;
    server.requestTimeout = ctx.config.headersTimeoutSeconds * 1000;
    const idleMs = ctx.config.idleTimeoutSeconds * 1000;
    server.keepAliveTimeout = idleMs;
    server.setTimeout(idleMs, (socket) => socket.destroy());
    const { host, port } = ctx.listenAddress('admin-http');
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject).listen(port, host, () => resolve());
    });
    ctx.announce('admin-http', { host, port: (server.address() as AddressInfo).port });
    ctx.shutdownSignal.addEventListener('abort', () => server.closeAllConnections());

    return async () => {
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    };
  },
});

/** The path of a request target, or undefined when it is not a URL (`http://[::1`). */
function pathOf(target = '/'): string | undefined {
  try {
    return new URL(target, 'http://localhost').pathname;
  } catch {
    return undefined;
  }
}
