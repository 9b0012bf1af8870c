import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';

/** The client did not finish the TLS handshake in time (it went quiet, or is too slow to serve). */
export class TlsHandshakeTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`the TLS handshake did not finish within ${timeoutMs / 1000} s`);
    this.name = 'TlsHandshakeTimeoutError';
  }
}

/**
 * Runs the server side of a TLS handshake over an accepted socket: the first bytes of an
 * implicit-TLS listener, or STARTTLS/STLS/`#!TLS` after the protocol's "go ahead". Resolves with
 * the TLS socket once the handshake is done. A client that goes quiet, fails the handshake or
 * hangs up half-way gets the TLS socket destroyed (the topmost one: tearing the plain socket
 * down under a handshake in progress crashes Node) and the promise rejects.
 */
export async function upgradeToTls(
  socket: Socket,
  context: SecureContext,
  timeoutMs: number,
): Promise<TLSSocket> {
  const secure = new TLSSocket(socket, { isServer: true, secureContext: context });
  let stopWatching = (): void => undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      const onClose = (): void => reject(new Error('the client hung up during the TLS handshake'));
      const timer = setTimeout(() => reject(new TlsHandshakeTimeoutError(timeoutMs)), timeoutMs);
      secure.once('secure', resolve).once('error', reject).once('close', onClose);
      stopWatching = () => {
        clearTimeout(timer);
        secure.off('secure', resolve).off('error', reject).off('close', onClose);
      };
    });
    return secure;
  } catch (err) {
    // Whatever the handshake still reports (an alert, a reset) is of no interest any more.
    secure.on('error', () => undefined);
    secure.destroy();
    throw err;
  } finally {
    stopWatching();
  }
}
