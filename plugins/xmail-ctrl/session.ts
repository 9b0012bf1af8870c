/**
 * One CTRL session (spec §1): greeting with the MD5 timestamp, the login line (or `#!TLS` first),
 * then commands until `quit`, idle timeout, an over-long line or a byte > 127.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { TLSSocket, type SecureContext } from 'node:tls';
import type { Logger } from 'pino';
import {
  LineReader,
  plaintextSettingsOf,
  type AdminService,
  type Connection,
  type LoginResult,
  type LoginService,
  type Metrics,
  type PlaintextSettings,
  type PluginPlaintextSettings,
} from '../../core/index.js';
import { asXMailError, CTRL_HANDLERS, type CtrlCommandContext, type CtrlReply } from './commands/index.js';
import {
  checkCtrlPassword,
  classifyCommandLine,
  CRLF,
  CTRL_LIST_FOLLOWS,
  CTRL_MAX_LINE_BYTES,
  CTRL_MAX_LOGIN_LINE_BYTES,
  CTRL_MAX_UPLOAD_LINE_BYTES,
  CTRL_SEND_DATA,
  CTRL_TLS_READY_LINE,
  DotStuffEncoder,
  encodeDotStuffed,
  formatErrorLine,
  formatGreeting,
  formatListingRow,
  formatSuccessLine,
  formatXMailDate,
  lineContent,
  newCtrlTimestamp,
  parseLoginLine,
  resolveCommand,
  tokenizeTabLine,
  unstuffLine,
  XMailCtrlError,
  type XMailErrorName,
} from './protocol/index.js';

/** An upload larger than this is refused like an over-long line (-00103, nothing changed). */
const MAX_UPLOAD_BYTES = 16 * 1024 * 1024;

export interface CtrlSessionServices {
  readonly commands: Omit<CtrlCommandContext, 'logger'>;
  readonly admins: AdminService;
  /** Administrator logins: the plain-text rule, lockouts and the auth hook, as for mail accounts. */
  readonly login: LoginService;
  /** The plain-text rule's settings (plaintextAuth, trustedNetworks, and per listener). */
  readonly settings: PluginPlaintextSettings;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** `Mailwright <version>`, as the greeting shows it. */
  readonly appNameVersion: string;
  readonly idleTimeoutMs: number;
  /** For `#!TLS`; undefined when it is disabled (-00249). */
  readonly startTls: SecureContext | undefined;
}

type Outcome = 'continue' | 'close';

export class CtrlSession {
  /** For the auth hook, as POP3 and SMTP sessions have one. */
  private readonly id = randomBytes(8).toString('hex');
  private stream: Socket;
  private secure: boolean;
  private readonly reader = new LineReader();
  private readonly timestamp: string;
  private readonly logger: Logger;
  private readonly context: CtrlCommandContext;
  /** The plain-text rule's settings of the listener the connection came in on. */
  private readonly plaintext: PlaintextSettings;

  /** @param listener the name of the listener the connection came in on (`xmail-ctrl`, `xmail-ctrls`) */
  constructor(
    private readonly connection: Connection,
    private readonly listener: string,
    private readonly services: CtrlSessionServices,
  ) {
    this.plaintext = plaintextSettingsOf(services.settings, listener);
    const socket = connection.socket;
    this.stream = socket;
    this.secure = socket instanceof TLSSocket;
    this.timestamp = newCtrlTimestamp(socket.localAddress ?? '127.0.0.1');
    this.logger = connection.logger;
    this.context = { ...services.commands, logger: this.logger };
    this.watch(socket);
  }

  /**
   * Runs the whole session; resolves when it is over. Server shutdown ends it at once, like
   * XMail's server stop: admin sessions are short.
   */
  async run(): Promise<void> {
    const onShutdown = (): void => this.close();
    this.connection.closing.addEventListener('abort', onShutdown);
    try {
      this.send(formatGreeting(this.timestamp, this.services.appNameVersion, formatXMailDate(new Date())));
      if ((await this.login()) === 'continue') {
        while ((await this.nextCommand()) === 'continue');
      }
    } finally {
      this.connection.closing.removeEventListener('abort', onShutdown);
      this.close();
    }
  }

  private close(): void {
    this.reader.detach();
    this.connection.close();
  }

  private watch(stream: Socket): void {
    // Silent, as XMail closes an idle session.
    stream.setTimeout(this.services.idleTimeoutMs, () => stream.destroy());
    this.reader.attach(stream);
  }

  private send(line: string): void {
    this.stream.write(line + CRLF);
  }

  private async login(): Promise<Outcome> {
    for (;;) {
      const text = await this.readLine(CTRL_MAX_LOGIN_LINE_BYTES);
      if (text === null) return 'close';
      const request = parseLoginLine(text);
      if (request.kind === 'tls') {
        if (this.secure) this.send(formatErrorLine('SSL_ALREADY_ACTIVE'));
        else if (!this.services.startTls) this.send(formatErrorLine('SSL_DISABLED'));
        else {
          this.send(CTRL_TLS_READY_LINE);
          if (!(await this.upgrade(this.services.startTls))) return 'close';
        }
        continue;
      }
      if (request.kind === 'rejected') return this.refuseLogin();
      const result = await this.logIn(request.username, request.password);
      if (result.verdict !== 'ok') {
        this.logger.info({ admin: request.username, verdict: result.verdict }, 'CTRL login refused');
        return this.refuseLogin(result);
      }
      this.logger.info({ admin: request.username }, 'CTRL login');
      this.send(formatSuccessLine());
      return 'continue';
    }
  }

  /** XMail closes the session after a failed login; the code is always -00105, the text may tell why. */
  private refuseLogin(result?: LoginResult<string>): Outcome {
    let text: string | undefined;
    if (result?.verdict === 'vetoed') text = result.veto.text;
    if (result?.verdict === 'plaintext-refused')
      text = 'Clear-text login refused before #!TLS, use #!TLS or MD5';
    this.send(formatErrorLine('BAD_CTRL_LOGIN', text));
    return 'close';
  }

  /** MD5 (`#digest`) or clear login against the administrators, through the core login path. */
  private logIn(username: string, password: string): Promise<LoginResult<string>> {
    const client = {
      listener: this.listener,
      sessionId: this.id,
      settings: this.plaintext,
      ...this.connection.channel,
    };
    return this.services.login.logInAdmin(
      { client, username, plaintext: !password.startsWith('#') },
      async () => {
        const clear = await this.services.admins.password(username);
        return clear !== null && checkCtrlPassword(password, clear, this.timestamp);
      },
    );
  }

  /**
   * `#!TLS`: the TLS handshake happens on the same connection (within the listener's handshake
   * timeout); the timestamp stays the same. False when the client did not complete it.
   */
  private async upgrade(context: SecureContext): Promise<boolean> {
    this.reader.detach();
    this.stream.setTimeout(0);
    try {
      this.stream = await this.connection.startTls(context);
    } catch (err) {
      this.logger.debug({ err }, '#!TLS handshake failed');
      return false;
    }
    this.secure = true;
    this.watch(this.stream);
    return true;
  }

  /** A command or login line, or null when the session must end without a reply (§1, decision 6). */
  private async readLine(maxBytes: number): Promise<string | null> {
    const event = await this.reader.next(maxBytes);
    if (event === null || event.kind === 'too-long') return null;
    const verdict = classifyCommandLine(event.raw);
    return verdict.kind === 'line' ? verdict.text : null;
  }

  private async nextCommand(): Promise<Outcome> {
    const text = await this.readLine(CTRL_MAX_LINE_BYTES);
    if (text === null) return 'close';
    const resolved = resolveCommand(tokenizeTabLine(text));
    if (resolved.kind === 'error') {
      this.send(formatErrorLine(resolved.error));
      return 'continue';
    }
    this.services.metrics.commands.inc({ protocol: 'xmail-ctrl', command: resolved.spec.name });
    const handler = CTRL_HANDLERS.get(resolved.spec.name)!;
    let reply: CtrlReply;
    try {
      reply = await handler(resolved.args, this.context);
    } catch (err) {
      this.sendFailure(err, resolved.spec.name);
      return 'continue';
    }
    const outcome = await this.sendReply(reply);
    return resolved.spec.closesSession ? 'close' : outcome;
  }

  private async sendReply(reply: CtrlReply): Promise<Outcome> {
    switch (reply.kind) {
      case 'ok':
        this.send(formatSuccessLine());
        return 'continue';
      case 'rows':
        this.stream.write(
          formatSuccessLine(CTRL_LIST_FOLLOWS) +
            CRLF +
            reply.rows.map((row) => formatListingRow(row) + CRLF).join('') +
            '.' +
            CRLF,
        );
        return 'continue';
      case 'file':
        this.send(formatSuccessLine(CTRL_LIST_FOLLOWS));
        await this.sendFile(reply.body);
        return 'continue';
      case 'upload':
        return this.receiveUpload(reply.store);
    }
  }

  /** A file body, dot-stuffed; a stream goes through without being held in memory. */
  private async sendFile(body: Buffer | Readable): Promise<void> {
    if (Buffer.isBuffer(body)) {
      this.stream.write(Buffer.from(encodeDotStuffed(body.toString('latin1')), 'latin1'));
      return;
    }
    // pipeline, not pipe: a read error of the file must fail this command, not go unheard as an
    // 'error' event with no listener (which would end the process).
    await pipeline(body, new DotStuffEncoder(), async (encoded: AsyncIterable<Buffer>) => {
      for await (const chunk of encoded) {
        if (!this.stream.write(chunk)) {
          await new Promise<void>((resolve) => this.stream.once('drain', resolve).once('close', resolve));
        }
      }
    });
  }

  /**
   * `+00101 OK`, then dot-stuffed lines up to `.`. An over-long line or upload is answered -00103
   * and nothing is stored (decision 3).
   */
  private async receiveUpload(store: (content: Buffer) => Promise<void>): Promise<Outcome> {
    this.send(formatSuccessLine(CTRL_SEND_DATA));
    const parts: Buffer[] = [];
    let size = 0;
    let refused = false;
    for (;;) {
      const event = await this.reader.next(CTRL_MAX_UPLOAD_LINE_BYTES);
      if (event === null) return 'close';
      if (event.kind === 'too-long') {
        refused = true;
        continue;
      }
      const line = unstuffLine(lineContent(event.raw).toString('latin1'));
      if (line === null) break;
      size += line.length + 1;
      if (size > MAX_UPLOAD_BYTES) refused = true;
      if (!refused) parts.push(Buffer.from(line + '\n', 'latin1'));
    }
    if (refused) {
      this.send(formatErrorLine('BAD_CTRL_COMMAND'));
      return 'continue';
    }
    try {
      await store(Buffer.concat(parts));
      this.send(formatSuccessLine());
    } catch (err) {
      this.sendFailure(err, 'upload', 'FILE_WRITE');
    }
    return 'continue';
  }

  private sendFailure(err: unknown, command: string, unexpected: XMailErrorName = 'FILE_OPEN'): void {
    const mapped = asXMailError(err);
    if (mapped instanceof XMailCtrlError) {
      this.logger.debug({ command, reason: mapped.message }, 'CTRL command failed');
      this.send(mapped.responseLine);
      return;
    }
    this.logger.error({ err: mapped, command }, 'CTRL command failed unexpectedly');
    this.services.metrics.connectionErrors.inc({ protocol: 'xmail-ctrl' });
    this.send(formatErrorLine(unexpected));
  }
}
