import { createHash } from 'node:crypto';
import net from 'node:net';
import { Readable } from 'node:stream';
import tls from 'node:tls';
import { Pop3ProtocolError, ResponseReader } from './response-reader.js';

/** How the connection is protected: STLS after the greeting (RFC 2595), TLS from the start, or not at all. */
export type Pop3Security = 'starttls' | 'implicit' | 'none';

export interface Pop3ClientOptions {
  host: string;
  port: number;
  security: Pop3Security;
  /** Certificate checks for TLS (a private CA, ...); the host name is checked unless it is an IP. */
  tls?: Pick<tls.ConnectionOptions, 'ca' | 'rejectUnauthorized'>;
  /** The longest wait for the connection or for any reply. */
  timeoutMs: number;
}

/** A `-ERR` answer; `text` is what the server said. */
export class Pop3CommandError extends Error {
  constructor(
    readonly command: string,
    readonly text: string,
  ) {
    super(`${command} refused: -ERR ${text}`);
    this.name = 'Pop3CommandError';
  }
}

/** A message as LIST and UIDL number it in this session. */
export interface RemoteMessage {
  number: number;
  uidl: string;
  /** Octets as the server counts them (CRLF line ends). */
  size: number;
}

/**
 * A POP3 client (RFC 1939, STLS of RFC 2595) for fetching: USER/PASS or APOP, UIDL, LIST, RETR
 * streamed and un-stuffed, DELE, QUIT. One command at a time; a retrieved body must be read to
 * its end before the next command.
 */
export class Pop3Client {
  private busy = false;

  private constructor(
    private socket: net.Socket,
    private reader: ResponseReader,
    /** The APOP timestamp of the greeting (`<...>`), when the server offered one. */
    private readonly apopStamp: string | undefined,
    private readonly options: Pop3ClientOptions,
  ) {}

  static async connect(options: Pop3ClientOptions): Promise<Pop3Client> {
    const servername = net.isIP(options.host) ? undefined : options.host;
    const socket =
      options.security === 'implicit'
        ? tls.connect({ host: options.host, port: options.port, servername, ...options.tls })
        : net.connect({ host: options.host, port: options.port });
    socket.setTimeout(options.timeoutMs, () =>
      socket.destroy(new Pop3ProtocolError('the connection timed out')),
    );
    try {
      await new Promise<void>((resolve, reject) => {
        socket
          .once(options.security === 'implicit' ? 'secureConnect' : 'connect', resolve)
          .once('error', reject);
      });
      const reader = new ResponseReader(socket, options.timeoutMs);
      const greeting = okText('greeting', await reader.line());
      const client = new Pop3Client(socket, reader, /<[^<>]*>/.exec(greeting)?.[0], options);
      if (options.security === 'starttls') await client.startTls(servername);
      return client;
    } catch (err) {
      socket.destroy();
      throw err;
    }
  }

  /** The server's address, for trace headers. */
  get remoteAddress(): string {
    return this.socket.remoteAddress ?? '';
  }

  /** `CLR`: USER/PASS; `APOP`: the MD5 digest of the greeting's timestamp and the password. */
  async login(user: string, password: string, auth: 'CLR' | 'APOP'): Promise<void> {
    if (auth === 'APOP') {
      if (!this.apopStamp)
        throw new Pop3ProtocolError('the server does not offer APOP (no timestamp in its greeting)');
      const digest = createHash('md5')
        .update(this.apopStamp + password, 'latin1')
        .digest('hex');
      await this.command(`APOP ${user} ${digest}`, 'APOP');
      return;
    }
    await this.command(`USER ${user}`);
    await this.command(`PASS ${password}`, 'PASS');
  }

  /** Every message of the maildrop with its UIDL and size. */
  async messages(): Promise<RemoteMessage[]> {
    const uidls = await this.listing('UIDL');
    const sizes = await this.listing('LIST');
    const messages: RemoteMessage[] = [];
    for (const [number, uidl] of uidls) {
      const size = Number(sizes.get(number));
      if (!Number.isInteger(size)) throw new Pop3ProtocolError(`LIST gave no size for message ${number}`);
      messages.push({ number, uidl, size });
    }
    return messages;
  }

  /** The message's bytes as stored remotely (CRLF line ends), streamed; read it to the end. */
  async retrieve(number: number): Promise<Readable> {
    await this.command(`RETR ${number}`);
    this.busy = true;
    const reader = this.reader;
    const done = (): void => {
      this.busy = false;
    };
    return Readable.from(
      (async function* body() {
        yield* reader.multiline();
        done();
      })(),
      { objectMode: false },
    );
  }

  /** Marks the message deleted; the server removes it only when QUIT succeeds. */
  async delete(number: number): Promise<void> {
    await this.command(`DELE ${number}`);
  }

  /** Ends the session: the deletions take effect only when this resolves. */
  async quit(): Promise<void> {
    try {
      await this.command('QUIT');
    } finally {
      this.socket.end();
    }
  }

  /** Drops the connection without QUIT: nothing marked deleted is removed. */
  destroy(reason?: Error): void {
    this.socket.destroy(reason);
  }

  private async startTls(servername: string | undefined): Promise<void> {
    await this.command('STLS');
    this.reader.detach();
    const secure = tls.connect({ socket: this.socket, servername, ...this.options.tls });
    secure.setTimeout(this.options.timeoutMs, () =>
      secure.destroy(new Pop3ProtocolError('the connection timed out')),
    );
    await new Promise<void>((resolve, reject) => secure.once('secureConnect', resolve).once('error', reject));
    this.socket = secure;
    this.reader = new ResponseReader(secure, this.options.timeoutMs);
  }

  /** `UIDL` or `LIST` without argument: message number -> the rest of its line. */
  private async listing(verb: 'UIDL' | 'LIST'): Promise<Map<number, string>> {
    await this.command(verb);
    const entries = new Map<number, string>();
    const text = await collect(this.reader.multiline());
    for (const line of text.split(/\r?\n/)) {
      const match = /^(\d+) +(\S+)/.exec(line);
      if (match) entries.set(Number(match[1]), match[2]);
    }
    return entries;
  }

  /** Sends one command line; resolves the text after `+OK`, throws Pop3CommandError on `-ERR`. */
  private async command(line: string, shownAs = line): Promise<string> {
    if (this.busy) throw new Pop3ProtocolError('a retrieved message was not read to its end');
    this.socket.write(`${line}\r\n`);
    return okText(shownAs, await this.reader.line());
  }
}

function okText(command: string, reply: string): string {
  if (reply.startsWith('+OK')) return reply.slice(3).trim();
  if (reply.startsWith('-ERR')) throw new Pop3CommandError(command, reply.slice(4).trim());
  throw new Pop3ProtocolError(`unexpected answer to ${command}: ${reply.slice(0, 80)}`);
}

async function collect(chunks: AsyncIterable<Buffer>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts).toString('latin1');
}
