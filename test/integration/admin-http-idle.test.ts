/**
 * Found by the admin-http fuzzer (test/fuzz/admin-http.fuzz.test.ts): a client that stopped in the
 * middle of a request head was held, unanswered, for Node's 60 s header timeout (checked every
 * 30 s), so a handful of silent clients could keep the listener's sockets for a minute and more.
 * Now any connection silent for idleTimeoutSeconds is closed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Kernel } from '../../core/index.js';
import { mailwrightConfigSchema } from '../../core/config/schema.js';
import { LineClient } from '../helpers/line-client.js';
import { quietLogger } from '../helpers/logger.js';

describe('admin-http: idle connections', () => {
  let dir: string;
  let kernel: Kernel | undefined;
  let port: number;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'mw-admin-http-idle-'));
    kernel = await Kernel.create({
      config: mailwrightConfigSchema.parse({
        plugins: { 'admin-http': { idleTimeoutSeconds: 1 } },
        listen: { 'admin-http': '127.0.0.1:0' },
      }),
      home: dir,
      logger: quietLogger(),
    });
    await kernel.start();
    port = kernel.listeners.find((listener) => listener.name === 'admin-http')!.address.port;
  });
  after(async () => {
    await kernel?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('closes a connection whose client stopped in the middle of the request head', async () => {
    const client = await LineClient.connect(port);
    client.write('GET /healthz HTTP/1.1\r\nHost: loc');
    const started = Date.now();
    await client.ended;
    assert.ok(Date.now() - started < 3_000, `closed after ${Date.now() - started} ms`);
    client.close();
  });

  it('closes a kept-alive connection after the idle time', async () => {
    const client = await LineClient.connect(port);
    client.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
    assert.equal(await client.line(), 'HTTP/1.1 200 OK');
    const started = Date.now();
    await client.ended;
    assert.ok(Date.now() - started < 3_000, `closed after ${Date.now() - started} ms`);
    client.close();
  });
});
