/** What every hand-written protocol shares: the listener with its caps, timeouts and error boundary. */
export { Connection } from './connection.js';
export { LineReader, TruncatedReadError } from './line-reader.js';
export { LineSplitter, type LineEvent } from './line-splitter.js';
export { guardEvents } from './event-guard.js';
export {
  ConnectionLimits,
  type Admission,
  type ConnectionLimitSettings,
  type LimitRefusal,
} from './connection-limits.js';
export {
  connectionLimitsOf,
  listenerSettings,
  networkListSetting,
  perListener,
  trustedNetworksSetting,
  type ListenerSettings,
} from './listener-settings.js';
export { LOOPBACK_NETWORKS, NetworkList } from './network-list.js';
export { lockoutNetwork, unmapIPv4 } from './client-address.js';
export { openPluginListeners, type PluginListenersSpec } from './plugin-listeners.js';
export {
  openTcpListener,
  type ConnectionHandler,
  type TcpListener,
  type TcpListenerOptions,
} from './tcp-listener.js';
export { TlsHandshakeTimeoutError } from './tls-upgrade.js';
