/**
 * A raw XMail CTRL client over node:net / node:tls for conformance tests: it sends exact bytes and
 * hands back exact response lines (without CRLF), so tests assert on the wire, not on a parser.
 */
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { createHash } from 'node:crypto';
import { LineBuffer } from './line-buffer.js';

const READ_TIMEOUT_MS = 5_000;

export class CtrlClient {
  private lines: LineBuffer;
  greeting = '';

  private constructor(private socket: Socket | TLSSocket) {
    this.lines = new LineBuffer().attach(socket);
  }

  /** Connects and reads the greeting. `tls`: the xmail-ctrls listener (TLS from the first byte). */
  static async connect(port: number, opts: { tls?: boolean } = {}): Promise<CtrlClient> {
    const socket = opts.tls
      ? tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false })
      : tcpConnect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) =>
      socket.once(opts.tls ? 'secureConnect' : 'connect', resolve).once('error', reject),
    );
    const client = new CtrlClient(socket);
    client.greeting = (await client.readLine()) ?? '';
    return client;
  }

  /** `<...>` of the greeting, the MD5 challenge. */
  get timestamp(): string {
    return /<[^>]+>/.exec(this.greeting)?.[0] ?? '';
  }

  md5(password: string): string {
    return (
      '#' +
      createHash('md5')
        .update(this.timestamp + password)
        .digest('hex')
    );
  }

  /** Raw bytes, nothing added. */
  write(data: string | Buffer): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Next line without its CRLF; null when the server closed the connection first. */
  readLine(timeoutMs = READ_TIMEOUT_MS): Promise<string | null> {
    return this.lines.next(timeoutMs);
  }

  /** One response: the status line, plus the body lines and `.` of a +00100 reply. */
  async response(): Promise<string[]> {
    const first = await this.readLine();
    if (first === null) throw new Error('connection closed instead of a response');
    const lines = [first];
    if (first.startsWith('+00100')) {
      for (let line = await this.readLine(); ; line = await this.readLine()) {
        if (line === null) throw new Error(`connection closed inside a listing: ${lines.join(' | ')}`);
        lines.push(line);
        if (line === '.') break;
      }
    }
    return lines;
  }

  /** Sends one line (CRLF added) and returns its response. */
  async raw(line: string): Promise<string[]> {
    this.write(line + '\r\n');
    return this.response();
  }

  /** Sends `"tok1"\t"tok2"...` and returns the response. */
  command(...tokens: string[]): Promise<string[]> {
    return this.raw(tokens.map((token) => `"${token}"`).join('\t'));
  }

  /** Resolves once the server has closed; returns whatever it sent first (should be nothing). */
  async closedByServer(timeoutMs = READ_TIMEOUT_MS): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the server did not close the connection')), timeoutMs);
    });
    try {
      await Promise.race([this.lines.whenEnded, timeout]);
    } finally {
      clearTimeout(timer);
    }
    return this.lines.unread;
  }

  /** After `+00000 Ready to start TLS mode`: the TLS handshake on the same connection. */
  async startTls(): Promise<void> {
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    plain.removeAllListeners('end');
    const secure = tlsConnect({ socket: plain, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => secure.once('secureConnect', resolve).once('error', reject));
    this.socket = secure;
    this.lines = new LineBuffer().attach(secure);
  }

  get encrypted(): boolean {
    return 'encrypted' in this.socket && this.socket.encrypted === true;
  }

  close(): void {
    this.socket.destroy();
  }
}
