import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import {
  LineReader,
  plaintextSettingsOf,
  type Account,
  type Connection,
  type LineEvent,
  type LoginClient,
  type PlaintextSettings,
} from '../../../core/index.js';
import { commandModule } from '../commands/index.js';
import type { Completion } from '../commands/command-module.js';
import {
  CommandReader,
  ImapParseError,
  statusResponse,
  untagged,
  type CommandEvent,
  type ImapCommand,
  type ResponseCode,
  type ResponseValue,
} from '../protocol/index.js';
import { capabilities } from './capabilities.js';
import type { ImapServices } from './services.js';
import type { SelectedFolder } from './selected-folder.js';

/** RFC 3501 §3: the connection states. */
export type ImapState = 'not-authenticated' | 'authenticated' | 'selected' | 'logout';

/**
 * One IMAP connection: reads commands (protocol/command-reader.ts), runs them one at a time in
 * order, and walks the RFC 3501 states. Each command lives in its own module (commands/); the
 * session owns what they share: the socket and its writer, the state, the logged-in account, the
 * selected folder, the extensions the client enabled. Untagged updates of the selected folder go
 * out before each tagged completion, expunges only where RFC 3501 §7.4.1 allows them.
 */
export class ImapSession {
  readonly id = randomBytes(8).toString('hex');
  readonly logger: Logger;
  state: ImapState = 'not-authenticated';
  account: Account | undefined;
  selected: SelectedFolder | undefined;
  /** ENABLEd extensions (RFC 5161): CONDSTORE, QRESYNC, UTF8=ACCEPT. */
  readonly enabled = new Set<string>();
  private socket: Socket;
  private readonly lines = new LineReader();
  readonly commands: CommandReader;
  private closing = false;
  private busy = false;
  private readonly plaintext: PlaintextSettings;

  constructor(
    private readonly connection: Connection,
    /** The listener the connection came in on (`imap`, `imaps`). */
    readonly listener: string,
    readonly services: ImapServices,
  ) {
    const { config } = services;
    this.plaintext = plaintextSettingsOf(config, listener);
    this.socket = connection.socket;
    this.logger = connection.logger.child({ session: this.id });
    this.lines.attach(this.socket);
    this.commands = new CommandReader(this.lines, {
      literalPlus: true,
      limits: {
        maxLineBytes: config.maxLineBytes,
        maxLiteralBytes: config.maxLiteralBytes,
        maxCommandBytes: config.maxCommandBytes,
        maxAppendBytes: config.maxAppendBytes,
      },
      sendContinuation: (line) => this.write(Buffer.from(line)),
    });
  }

  get secure(): boolean {
    return this.connection.channel.secure;
  }

  /** The client as the login path sees it (secure changes with STARTTLS). */
  get loginClient(): LoginClient {
    return {
      listener: this.listener,
      sessionId: this.id,
      settings: this.plaintext,
      ...this.connection.channel,
    };
  }

  /** May a password be sent in clear text now (LOGIN, AUTHENTICATE PLAIN/LOGIN)? */
  get plaintextAllowed(): boolean {
    return this.services.login.allowPlaintext(this.plaintext, this.loginClient);
  }

  /** Aborted once the connection is closed, whoever closed it. */
  get gone(): AbortSignal {
    return this.connection.gone;
  }

  async run(): Promise<void> {
    const { hooks, config } = this.services;
    this.armIdleTimer(config.loginTimeoutSeconds);
    const onShutdown = (): void => this.shutdown();
    this.connection.closing.addEventListener('abort', onShutdown);
    try {
      const verdict = await hooks.run('connect', {
        protocol: this.listener,
        remoteAddress: this.connection.remoteAddress,
        localAddress: this.socket.localAddress ?? '',
        sessionId: this.id,
      });
      if (verdict.action === 'reject' || verdict.action === 'defer') {
        this.end(`* BYE ${verdict.action === 'defer' ? '[UNAVAILABLE] ' : ''}${verdict.text}`);
        return;
      }
      await this.write(
        statusResponse('*', 'OK', `${config.implementation} IMAP4rev1 ready`, {
          name: 'CAPABILITY',
          args: capabilities(this),
        }),
      );
      while (!this.closing) {
        const event = await this.commands.next();
        if (!event) break;
        this.busy = true;
        await this.dispatch(event);
        this.busy = false;
      }
    } finally {
      this.connection.closing.removeEventListener('abort', onShutdown);
      await this.selected?.close();
      this.end();
    }
  }

  /** Writes bytes to the client, waiting for the socket to drain when its buffer is full. */
  async write(bytes: Buffer): Promise<void> {
    if (!this.socket.writable) return;
    if (!this.socket.write(bytes)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.socket.off('drain', done).off('close', done);
          resolve();
        };
        this.socket.once('drain', done).once('close', done);
      });
    }
  }

  /** `* values...`. */
  untagged(values: readonly ResponseValue[]): Promise<void> {
    return this.write(untagged(values, { utf8: this.enabled.has('UTF8=ACCEPT') }));
  }

  /** `* OK [code] text` (or NO, BAD, BYE). */
  untaggedStatus(status: 'OK' | 'NO' | 'BAD' | 'BYE', text: string, code?: ResponseCode): Promise<void> {
    return this.write(statusResponse('*', status, text, code));
  }

  /** One raw line inside a command (AUTHENTICATE's responses, IDLE's DONE); null when the client left. */
  async readLine(): Promise<LineEvent | null> {
    return this.lines.next(this.services.config.maxLineBytes);
  }

  /** STARTTLS: the tagged OK is out; anything the client pipelined before the handshake is dropped. */
  async startTls(): Promise<boolean> {
    this.lines.detach();
    try {
      this.socket = await this.connection.startTls(this.services.tls);
    } catch (err) {
      this.logger.debug({ err }, 'STARTTLS handshake failed');
      this.closing = true;
      return false;
    }
    this.lines.attach(this.socket);
    return true;
  }

  /** Logged in: the authenticated state, with the timer of a logged-in client. */
  authenticated(account: Account): void {
    this.account = account;
    this.state = 'authenticated';
    this.armIdleTimer(this.services.config.idleTimeoutSeconds);
    this.logger.info({ account: `${account.name}@${account.domain}` }, 'IMAP login');
  }

  /** SELECT/EXAMINE succeeded (the previous folder, if any, is already closed). */
  select(folder: SelectedFolder): void {
    this.selected = folder;
    this.state = 'selected';
  }

  /** CLOSE, UNSELECT, or a failed SELECT: back to the authenticated state. */
  async deselect(): Promise<void> {
    const folder = this.selected;
    this.selected = undefined;
    if (this.state === 'selected') this.state = 'authenticated';
    await folder?.close();
  }

  /** The idle timer, a shutdown, the end of LOGOUT: `lastLine` (if any) goes out, then the connection closes. */
  end(lastLine?: string): void {
    this.closing = true;
    this.state = 'logout';
    this.connection.close(lastLine);
  }

  private armIdleTimer(seconds: number): void {
    // On the accepted socket: traffic on its TLS layer (after STARTTLS) counts as activity too.
    this.connection.socket.setTimeout(seconds * 1000, () => this.end('* BYE Autologout; idle for too long'));
  }

  /** Server shutdown: an idle session is told and closed now, a busy one after its command. */
  private shutdown(): void {
    if (this.busy) this.closing = true;
    else this.end('* BYE [UNAVAILABLE] Server shutting down, try again later');
  }

  private async dispatch(event: CommandEvent): Promise<void> {
    if (event.kind === 'error') {
      await this.write(Buffer.from(`${event.error.responseLine}\r\n`));
      return;
    }
    const { command } = event;
    const name = command.uid ? `UID ${command.name}` : command.name;
    this.services.metrics.commands.inc({ protocol: 'imap', command: name });
    let completion: Completion;
    try {
      completion = await this.runCommand(command, event);
    } catch (err) {
      if (err instanceof ImapParseError) {
        await this.write(Buffer.from(`${err.withTag(command.tag).responseLine}\r\n`));
        return;
      }
      if (this.gone.aborted) return;
      this.logger.error({ err, command: name }, 'IMAP command failed');
      this.services.metrics.connectionErrors.inc({ protocol: 'imap' });
      completion = { status: 'NO', code: { name: 'SERVERBUG' }, text: `${name} failed: internal error` };
    }
    if (completion.alreadySent) return;
    if (completion.status !== 'BAD' && this.selected && !completion.skipUpdates) {
      await this.selected.announceChanges(this, { expunges: !forbidsExpungeNotice(command) });
    }
    await this.write(statusResponse(command.tag, completion.status, completion.text, completion.code));
    // LOGOUT: the untagged BYE, the tagged OK, then the connection closes (RFC 3501 §6.1.3).
    if (this.state === 'logout') this.end();
  }

  private async runCommand(command: ImapCommand, event: CommandEvent): Promise<Completion> {
    const module = commandModule(command);
    if (!module) return { status: 'BAD', text: `Unknown command ${command.name}` };
    if (!module.states.includes(this.state)) {
      return { status: 'BAD', text: `${command.name} is not allowed in the ${this.state} state` };
    }
    return module.run(command, this, event);
  }
}

/**
 * RFC 3501 §7.4.1: no EXPUNGE response while FETCH, STORE or SEARCH run (the UID forms may have
 * them, as sequence numbers do not change meaning for the client there).
 */
function forbidsExpungeNotice(command: ImapCommand): boolean {
  return !command.uid && ['FETCH', 'STORE', 'SEARCH', 'SORT', 'THREAD'].includes(command.name);
}
