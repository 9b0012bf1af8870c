import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { definePlugin, z } from '../../core/index.js';

const configSchema = z.strictObject({
  metricsPath: z.string().startsWith('/').default('/metrics'),
});

/** `/metrics` (Prometheus text format) and `/healthz` on the admin-http listener. */
export default definePlugin<z.output<typeof configSchema>>({
  name: 'admin-http',
  version: '0.1.0',
  listeners: ['admin-http'],
  configSchema,
  async start(ctx) {
    const { registry } = ctx.metrics;
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
      } else if (url.pathname === ctx.config.metricsPath) {
        registry.metrics().then(
          (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
          (err: unknown) => {
            ctx.logger.error({ err }, 'collecting metrics failed');
            res.writeHead(500).end();
          },
        );
      } else if (url.pathname === '/healthz') {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ status: 'ok', role: ctx.role }));
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      }
    });
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
