import type { TLSSocket } from 'node:tls';

/** The client did not finish the TLS handshake in time (it went quiet, or is too slow to serve). */
export class TlsHandshakeTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`the TLS handshake did not finish within ${timeoutMs / 1000} s`);
    this.name = 'TlsHandshakeTimeoutError';
  }
}

/**
 * Waits for the server side of a TLS handshake (the first bytes of an implicit-TLS listener, or
 * STARTTLS/STLS/`#!TLS` after the protocol's "go ahead"). A client that goes quiet, fails the
 * handshake or hangs up half-way gets `secure` destroyed, and the promise rejects.
 */
export async function tlsHandshake(secure: TLSSocket, timeoutMs: number): Promise<void> {
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
  } catch (err) {
    secure.destroy();
    throw err;
  } finally {
    stopWatching();
  }
}
