import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { isIP } from 'node:net';
import type { SmtpTarget } from './mx-resolver.js';

export interface SmtpPoolSettings {
  /** EHLO name. */
  name: string;
  connectMs: number;
  greetingMs: number;
  /** The longest wait for any reply or for sending a data block. */
  commandMs: number;
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

  private connect(target: SmtpTarget): Promise<SMTPConnection> {
    const connection = new SMTPConnection({
      host: target.address,
      port: target.port,
      servername: isIP(target.host) ? undefined : target.host,
      name: this.settings.name,
      connectionTimeout: this.settings.connectMs,
      greetingTimeout: this.settings.greetingMs,
      socketTimeout: this.settings.commandMs,
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
