import { once } from 'node:events';
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { createInterface, type Interface } from 'node:readline';
import {
  CTRL_LIST_FOLLOWS,
  CTRL_SEND_DATA,
  CTRL_TLS_LOGIN_LINE,
  ctrlMd5Digest,
  encodeDotStuffed,
  formatListingRow,
  tokenizeTabLine,
  unstuffLine,
} from './protocol/index.js';

export interface CtrlConnectOptions {
  host: string;
  port: number;
  /** `implicit`: the xmail-ctrls listener; `starttls`: `#!TLS` before login; `none`: clear text. */
  tls: 'none' | 'starttls' | 'implicit';
  /** Verify the server certificate (off for the self-signed default of a fresh install). */
  verifyCertificate: boolean;
  timeoutMs: number;
}

/** A CTRL reply: the status line, and the rows or file lines that came with `+00100`. */
export interface CtrlReply {
  ok: boolean;
  status: string;
  /** `+00100` listings: one array of de-quoted fields per row. */
  rows?: string[][];
  /** `+00100` file bodies (usergetmproc, cfgfileget ...): the lines, dot-unstuffed. */
  lines?: string[];
}

export class CtrlProtocolError extends Error {
  constructor(readonly status: string) {
    super(status);
    this.name = 'CtrlProtocolError';
  }
}

/**
 * An XMail CTRL client: MD5 challenge login, optional TLS, commands as TAB-separated quoted tokens,
 * listings and file bodies read up to the lone `.`.
 */
export class CtrlClient {
  private readonly pending: string[] = [];
  private wake: (() => void) | undefined;
  private ended = false;

  private constructor(
    private readonly socket: Socket | TLSSocket,
    private readonly lines: Interface,
    private readonly timeoutMs: number,
  ) {
    const notify = () => {
      this.wake?.();
      this.wake = undefined;
    };
    lines.on('line', (line) => {
      this.pending.push(line);
      notify();
    });
    lines.on('close', () => {
      this.ended = true;
      notify();
    });
  }

  static async connect(opts: CtrlConnectOptions, user: string, password: string): Promise<CtrlClient> {
    const socket =
      opts.tls === 'implicit'
        ? tlsConnect({ host: opts.host, port: opts.port, rejectUnauthorized: opts.verifyCertificate })
        : tcpConnect({ host: opts.host, port: opts.port });
    await once(socket, opts.tls === 'implicit' ? 'secureConnect' : 'connect');
    let client = CtrlClient.over(socket, opts.timeoutMs);
    const greeting = await client.readLine();
    const timestamp = /<[^>]+>/.exec(greeting)?.[0];
    if (!greeting.startsWith('+') || !timestamp) throw new CtrlProtocolError(greeting || 'no greeting');
    if (opts.tls === 'starttls') client = await client.startTls(opts);
    const reply = await client.request(formatListingRow([user, `#${ctrlMd5Digest(timestamp, password)}`]));
    if (!reply.startsWith('+')) throw new CtrlProtocolError(reply);
    return client;
  }

  private static over(socket: Socket | TLSSocket, timeoutMs: number): CtrlClient {
    return new CtrlClient(socket, createInterface({ input: socket, crlfDelay: Infinity }), timeoutMs);
  }

  /** `#!TLS` then a TLS handshake on the same socket. */
  private async startTls(opts: CtrlConnectOptions): Promise<CtrlClient> {
    const reply = await this.request(CTRL_TLS_LOGIN_LINE);
    if (!reply.startsWith('+')) throw new CtrlProtocolError(reply);
    this.lines.close();
    const secure = tlsConnect({
      socket: this.socket,
      servername: opts.host,
      rejectUnauthorized: opts.verifyCertificate,
    });
    await once(secure, 'secureConnect');
    return CtrlClient.over(secure, this.timeoutMs);
  }

  /** Runs one command; `upload` is sent when the server asks for data (`+00101`). */
  async command(tokens: string[], upload?: string): Promise<CtrlReply> {
    const status = await this.request(formatListingRow(tokens));
    const code = Number(status.slice(1, 6));
    if (status.startsWith('+') && code === CTRL_LIST_FOLLOWS) {
      const lines = await this.readDotTerminated();
      const isListing = lines.every((line) => line.startsWith('"'));
      return isListing && lines.length > 0
        ? { ok: true, status, rows: lines.map((line) => tokenizeTabLine(line)) }
        : { ok: true, status, lines };
    }
    if (status.startsWith('+') && code === CTRL_SEND_DATA) {
      this.socket.write(encodeDotStuffed(upload ?? ''));
      const final = await this.readLine();
      return { ok: final.startsWith('+'), status: final };
    }
    return { ok: status.startsWith('+'), status };
  }

  async close(): Promise<void> {
    try {
      await this.request(formatListingRow(['quit']));
    } finally {
      this.socket.destroy();
    }
  }

  private async request(line: string): Promise<string> {
    this.socket.write(`${line}\r\n`);
    return this.readLine();
  }

  private async readDotTerminated(): Promise<string[]> {
    const lines: string[] = [];
    for (;;) {
      const line = unstuffLine(await this.readLine());
      if (line === null) return lines;
      lines.push(line);
    }
  }

  private async readLine(): Promise<string> {
    if (this.pending.length === 0 && !this.ended) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        timer = setTimeout(resolve, this.timeoutMs);
      });
      clearTimeout(timer);
    }
    const line = this.pending.shift();
    if (line !== undefined) return line;
    throw new CtrlProtocolError(
      this.ended ? 'connection closed by the server' : `no answer within ${this.timeoutMs} ms`,
    );
  }
}
