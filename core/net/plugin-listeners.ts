import type { SecureContext } from 'node:tls';
import type { PluginContext, StopHandler } from '../kernel/plugin.js';
import { connectionLimitsOf, type ListenerSettings } from './listener-settings.js';
import type { Connection } from './connection.js';
import { openTcpListener, type TcpListener, type TcpListenerOptions } from './tcp-listener.js';

export interface PluginListenersSpec extends Pick<TcpListenerOptions, 'protocol' | 'replies'> {
  /** The plugin's listeners (names it declares in `Plugin.listeners`); those with `tls` speak TLS from the first byte. */
  listeners: { name: string; tls?: SecureContext }[];
  /**
   * Serves one connection (as TcpListenerOptions.handler); `listener` is the name of the listener
   * it came in on, for the settings of that listener (`plaintextSettingsOf`).
   */
  handler: (connection: Connection, listener: string) => void | Promise<void>;
}

/**
 * Opens a plugin's listeners where the config says, under one set of caps from its settings, and
 * announces them. Returns the plugin's stop handler: stop accepting, let every connection finish
 * (see `Connection.closing`), drop those still open when the kernel's drain time is over. If one
 * listener cannot open, those already open are closed and the error is thrown.
 */
export async function openPluginListeners(
  ctx: PluginContext<ListenerSettings>,
  spec: PluginListenersSpec,
): Promise<StopHandler> {
  const limits = connectionLimitsOf(ctx.config);
  const open: TcpListener[] = [];
  const closeAll = async (): Promise<void> => {
    await Promise.all(open.map((listener) => listener.close()));
  };
  try {
    for (const { name, tls } of spec.listeners) {
      const listener = await openTcpListener({
        ...spec,
        where: ctx.listenAddress(name),
        tls,
        handler: (connection) => spec.handler(connection, name),
        tlsHandshakeTimeoutMs: ctx.config.tlsHandshakeTimeoutSeconds * 1000,
        limits,
        metrics: ctx.metrics,
        logger: ctx.logger,
      });
      open.push(listener);
      ctx.announce(name, listener.address);
    }
  } catch (err) {
    await closeAll();
    throw err;
  }
  const drop = (): void => open.forEach((listener) => listener.destroyAll());
  ctx.shutdownSignal.addEventListener('abort', drop);
  return async () => {
    await closeAll();
    ctx.shutdownSignal.removeEventListener('abort', drop);
  };
}
