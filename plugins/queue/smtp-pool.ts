import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { connect as connectTcp, isIP, type Socket } from 'node:net';
import type { SmtpTimeoutsMs } from './config.js';
import type { SmtpTarget } from './mx-resolver.js';

export interface SmtpPoolSettings {
  /** EHLO name. */
  name: string;
  /** Per phase, in ms (config `timeouts`; DNS is MxResolver's). */
  timeouts: Omit<SmtpTimeoutsMs, 'dns'>;
  /** Connections to one target at once (this process). */
  maxPerTarget: number;
  /** An unused connection is closed after this long. */
  idleMs: number;
}

interface IdleConnection {
  connection: SMTPConnection;
  timer: NodeJS.Timeout;
}

interface Slot {
  active: number;
  idle: IdleConnection[];
  waiters: (() => void)[];
}

/**
 * Outbound SMTP connections (nodemailer's client), per target `address:port`: at most
 * `maxPerTarget` in use at once, and an idle one is reused for the next message (after RSET)
 * rather than opening a new one. STARTTLS is used whenever offered, without certificate checks
 * (opportunistic TLS, RFC 7435: better than clear text, and MX certificates rarely verify).
 *
 * Timeouts, one per phase: the TCP connection (opened here, so that its timeout is its own), the
 * greeting, each command reply and data block, and the reply to the final dot (`finalReply`).
 */
export class SmtpPool {
  private readonly slots = new Map<string, Slot>();
  private closed = false;

  constructor(private readonly settings: SmtpPoolSettings) {}

  /** A connected client for `target`, waiting for a free slot. Give it back with `release`. */
  async acquire(target: SmtpTarget): Promise<SMTPConnection> {
    const slot = this.slot(target);
    while (slot.active >= this.settings.maxPerTarget) {
      await new Promise<void>((resolve) => slot.waiters.push(resolve));
    }
    slot.active++;
    const reused = slot.idle.pop();
    if (reused) {
      clearTimeout(reused.timer);
      return reused.connection;
    }
    try {
      return await this.connect(target);
    } catch (err) {
      this.free(slot);
      throw err;
    }
  }

  /** Returns a client; `reusable` only when its last transaction ended with a reply. */
  release(target: SmtpTarget, connection: SMTPConnection, reusable: boolean): void {
    const slot = this.slot(target);
    if (!reusable || this.closed) {
      connection.close();
      this.free(slot);
      return;
    }
    connection.reset((err) => {
      if (err || this.closed) connection.close();
      else {
        const entry: IdleConnection = {
          connection,
          timer: setTimeout(() => this.dropIdle(slot, entry, true), this.settings.idleMs).unref(),
        };
        slot.idle.push(entry);
        connection.once('end', () => this.dropIdle(slot, entry, false));
      }
      this.free(slot);
    });
  }

  close(): void {
    this.closed = true;
    for (const slot of this.slots.values()) {
      for (const entry of slot.idle) {
        clearTimeout(entry.timer);
        entry.connection.quit();
      }
      slot.idle = [];
    }
  }

  /**
   * Waits up to `timeouts.dataEnd` for the next reply, the one to the final dot (RFC 5321
   * §4.5.3.2.6); `commandReplies` goes back to the command timeout once it came.
   */
  finalReply(connection: SMTPConnection): void {
    internals(connection)._socket?.setTimeout(this.settings.timeouts.dataEnd);
  }

  commandReplies(connection: SMTPConnection): void {
    internals(connection)._socket?.setTimeout(this.settings.timeouts.command);
  }

  private async connect(target: SmtpTarget): Promise<SMTPConnection> {
    const { timeouts } = this.settings;
    const socket = await this.openSocket(target);
    const connection = new SMTPConnection({
      host: target.address,
      port: target.port,
      connection: socket,
      servername: isIP(target.host) ? undefined : target.host,
      name: this.settings.name,
      // nodemailer bounds the whole session set-up (greeting, EHLO, STARTTLS handshake) by
      // connectionTimeout and the greeting by the smaller of it and greetingTimeout: the greeting
      // gets its full time, EHLO and STARTTLS one command time more.
      connectionTimeout: timeouts.greeting + timeouts.command,
      greetingTimeout: timeouts.greeting,
      socketTimeout: timeouts.command,
      opportunisticTLS: true,
      tls: { rejectUnauthorized: false },
      logger: false,
    });
    // nodemailer reports a failed handshake (a 421 greeting, a reset) as an 'error' event, not
    // through the connect callback; later errors reach the pending send's callback. The listener
    // also keeps an unhandled 'error' from crashing the process.
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (err?: Error): void => {
        if (settled) return;
        settled = true;
        if (!err) return resolve(connection);
        connection.close();
        reject(err);
      };
      connection.on('error', (err: Error) => settle(err));
      connection.once('end', () => settle(new Error('connection closed during the handshake')));
      connection.connect((err) => settle(err ?? undefined));
    });
  }

  /** A TCP connection to the target within `timeouts.connect`. */
  private openSocket(target: SmtpTarget): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = connectTcp({ host: target.address, port: target.port });
      const fail = (err: Error): void => {
        clearTimeout(timer);
        socket.destroy();
        reject(err);
      };
      const timer = setTimeout(
        () => fail(new Error(`connection to ${target.address}:${target.port} timed out`)),
        this.settings.timeouts.connect,
      );
      socket.once('error', fail);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeListener('error', fail);
        resolve(socket);
      });
    });
  }

  private dropIdle(slot: Slot, entry: IdleConnection, quit: boolean): void {
    const at = slot.idle.indexOf(entry);
    if (at < 0) return;
    slot.idle.splice(at, 1);
    clearTimeout(entry.timer);
    if (quit) entry.connection.quit();
  }

  private free(slot: Slot): void {
    slot.active--;
    slot.waiters.shift()?.();
  }

  private slot(target: SmtpTarget): Slot {
    const key = `${target.address}:${target.port}`;
    let slot = this.slots.get(key);
    if (!slot) this.slots.set(key, (slot = { active: 0, idle: [], waiters: [] }));
    return slot;
  }
}

/**
 * The two nodemailer internals delivery needs and its API does not offer, read here and nowhere
 * else: the extensions the server advertised in its EHLO reply (nodemailer only hands them to
 * custom AUTH handlers), and the socket, whose timeout is the only way to give the reply to the
 * final dot its own. Checked against nodemailer 10.6 (dist/esm/smtp-connection/index.js).
 */
interface ConnectionInternals {
  _supportedExtensions?: string[];
  _socket?: Socket;
}

function internals(connection: SMTPConnection): ConnectionInternals {
  return connection as unknown as ConnectionInternals;
}

/** Whether the server advertised DSN (RFC 3461) in its last EHLO reply. */
export function advertisesDsn(connection: SMTPConnection): boolean {
  return internals(connection)._supportedExtensions?.includes('DSN') ?? false;
}
