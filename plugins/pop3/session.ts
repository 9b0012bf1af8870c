import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import tls from 'node:tls';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  LineReader,
  plaintextSettingsOf,
  type Account,
  type Connection,
  type HookBus,
  type LoginClient,
  type LoginService,
  type Metrics,
  type PlaintextSettings,
  type Storage,
} from '../../core/index.js';
import { COMMANDS, type Pop3State } from './commands/index.js';
import type { Pop3Config } from './config.js';
import type { Credentials } from './credentials.js';
import type { Maildrop } from './maildrop.js';
import type { HeldLock } from './maildrop-lock.js';
import type { MessageSizes } from './message-sizes.js';

/** One command line without its line ending, or the marker for a line longer than the limit. */
export type Line = { text: string } | { tooLong: true };

/** What every session of one plugin instance shares. */
export interface Pop3Services {
  config: Pop3Config;
  login: LoginService;
  credentials: Credentials;
  storage: Storage;
  sizes: MessageSizes;
  redis: Redis;
  hooks: HookBus;
  metrics: Metrics;
  logger: Logger;
  tls: tls.SecureContext;
}

const PROTOCOL = 'pop3';

/**
 * One POP3 connection: reads command lines, runs them one at a time in order (so pipelined
 * commands are answered in order, RFC 2449 PIPELINING), and walks the RFC 1939 states
 * AUTHORIZATION → TRANSACTION → UPDATE. Whatever ends the connection other than QUIT releases the
 * maildrop without removing anything.
 */
export class Pop3Session {
  readonly id = randomBytes(8).toString('hex');
  readonly logger: Logger;
  state: Pop3State = 'authorization';
  /** USER's name, waiting for PASS. */
  pendingUser: string | undefined;
  /** The greeting's APOP timestamp, only when legacy secrets are enabled. */
  readonly apopTimestamp: string | undefined;
  account: Account | undefined;
  maildrop: Maildrop | undefined;
  private lock: HeldLock | undefined;
  private lockLost = false;
  private socket: Socket;
  private readonly reader = new LineReader();
  private busy = false;
  private closing = false;
  /** Set while a multi-line response is being sent: an error then can only drop the connection. */
  private streaming = false;
  /** The plain-text rule's settings of the listener the connection came in on. */
  private readonly plaintext: PlaintextSettings;

  /**
   * @param connection its socket is a TLSSocket on pop3s, a plain one on pop3
   * @param listener the name of the listener it came in on (`pop3`, `pop3s`)
   */
  constructor(
    private readonly connection: Connection,
    private readonly listener: string,
    readonly services: Pop3Services,
  ) {
    this.plaintext = plaintextSettingsOf(services.config, listener);
    this.socket = connection.socket;
    this.reader.attach(this.socket);
    this.logger = connection.logger.child({ session: this.id });
    this.apopTimestamp = services.credentials.apopEnabled
      ? `<${process.pid}.${Date.now()}.${randomBytes(4).toString('hex')}@${hostname()}>`
      : undefined;
  }

  get remoteAddress(): string {
    return this.connection.remoteAddress;
  }

  get isSecure(): boolean {
    return this.connection.channel.secure;
  }

  /** The client as the login path sees it (secure changes with STLS). */
  get loginClient(): LoginClient {
    return {
      listener: this.listener,
      sessionId: this.id,
      settings: this.plaintext,
      ...this.connection.channel,
    };
  }

  /** May plain-text passwords be sent now (LoginService's plain-text rule)? */
  get authAllowed(): boolean {
    return this.services.login.allowPlaintext(this.plaintext, this.loginClient);
  }

  async run(): Promise<void> {
    const { config, hooks } = this.services;
    // On the accepted socket: traffic on its TLS layer (after STLS) counts as activity too.
    this.socket.setTimeout(config.idleTimeoutSeconds * 1000, () =>
      this.end('-ERR [SYS/TEMP] idle for too long, closing the connection'),
    );
    const onShutdown = (): void => this.shutdown();
    this.connection.closing.addEventListener('abort', onShutdown);
    try {
      const verdict = await hooks.run('connect', {
        protocol: this.listener,
        remoteAddress: this.remoteAddress,
        localAddress: this.socket.localAddress ?? '',
        sessionId: this.id,
      });
      if (verdict.action === 'reject' || verdict.action === 'defer') {
        const code = verdict.action === 'defer' ? '[SYS/TEMP] ' : '';
        this.end(`-ERR ${code}${verdict.text}`);
        return;
      }
      const timestamp = this.apopTimestamp ? ` ${this.apopTimestamp}` : '';
      this.send(`+OK ${config.implementation} POP3 server ready${timestamp}`);
      while (!this.closing) {
        const line = await this.readLine();
        if (!line) break;
        this.busy = true;
        await this.dispatch(line);
        this.busy = false;
      }
    } finally {
      this.connection.closing.removeEventListener('abort', onShutdown);
      await this.releaseMaildrop();
      this.end();
    }
  }

  /** Aborted once the connection is closed, whoever closed it. */
  get gone(): AbortSignal {
    return this.connection.gone;
  }

  /** Server shutdown: an idle session is told and closed now, a busy one after its command. */
  private shutdown(): void {
    if (this.busy) this.closing = true;
    else this.end('-ERR [SYS/TEMP] server shutting down, try again later');
  }

  send(line: string): void {
    if (this.socket.writable) this.socket.write(`${line}\r\n`);
  }

  /** The next line of an exchange inside one command (AUTH), or null when the client went away. */
  async readLine(): Promise<Line | null> {
    const event = await this.reader.next(this.services.config.maxLineLength);
    if (!event) return null;
    if (event.kind === 'too-long') return { tooLong: true };
    const raw = event.raw;
    // The LF, and the CR before it (a bare LF ends a line too).
    const end = raw.length - (raw.length > 1 && raw[raw.length - 2] === 0x0d ? 2 : 1);
    return { text: raw.subarray(0, end).toString('utf8') };
  }

  /** Sends a multi-line response; a failure half-way through drops the connection (see dispatch). */
  async multiLine(status: string, body: (out: Writable) => Promise<void>): Promise<void> {
    this.send(status);
    this.streaming = true;
    await body(this.socket);
    this.streaming = false;
  }

  /**
   * STLS: the "+OK" is already sent; everything the client sent before the handshake is dropped.
   * A client that does not complete the handshake in time is disconnected and the session ends.
   */
  async startTls(): Promise<void> {
    this.reader.detach();
    this.pendingUser = undefined;
    try {
      this.socket = await this.connection.startTls(this.services.tls);
    } catch (err) {
      this.logger.debug({ err }, 'STLS handshake failed');
      this.closing = true;
      return;
    }
    this.reader.attach(this.socket);
  }

  /** The maildrop is ours: enter TRANSACTION. */
  enterTransaction(account: Account, maildrop: Maildrop, lock: HeldLock): void {
    this.account = account;
    this.maildrop = maildrop;
    this.lock = lock;
    this.state = 'transaction';
  }

  /** Marks the session as having lost its maildrop lock (its lease lapsed): QUIT will not commit. */
  readonly onLockLost = (): void => {
    this.lockLost = true;
  };

  /** QUIT in TRANSACTION: the UPDATE state. Resolves with the count removed. */
  async update(): Promise<number> {
    this.state = 'update';
    if (this.lockLost) throw new Error('the maildrop lock was lost during the session');
    try {
      return await this.maildrop!.commit();
    } finally {
      await this.releaseMaildrop();
    }
  }

  /** Ends the session: `lastLine` (if any) is sent, then the connection closes. */
  end(lastLine?: string): void {
    this.closing = true;
    this.connection.close(lastLine);
  }

  private async dispatch(line: Line): Promise<void> {
    const { metrics } = this.services;
    if ('tooLong' in line) {
      this.send(`-ERR line too long (at most ${this.services.config.maxLineLength} octets)`);
      return;
    }
    const space = line.text.indexOf(' ');
    const name = (space < 0 ? line.text : line.text.slice(0, space)).toUpperCase();
    const argument = space < 0 ? '' : line.text.slice(space + 1);
    const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    metrics.commands.inc({ protocol: PROTOCOL, command: command ? name : 'unknown' });
    if (!command) {
      this.send('-ERR unknown command');
      return;
    }
    if (!command.states.includes(this.state)) {
      this.send(`-ERR ${name} is not valid in the ${this.state.toUpperCase()} state`);
      return;
    }
    try {
      await command.run(this, argument);
    } catch (err) {
      this.logger.error({ err, command: name }, 'POP3 command failed');
      metrics.connectionErrors.inc({ protocol: PROTOCOL });
      if (this.streaming) this.connection.destroy();
      else this.send(`-ERR [SYS/TEMP] ${name} failed on a temporary problem, try again later`);
    }
  }

  private async releaseMaildrop(): Promise<void> {
    const lock = this.lock;
    this.lock = undefined;
    await lock
      ?.release()
      .catch((err: unknown) => this.logger.warn({ err }, 'releasing the maildrop lock failed'));
  }
}
