import type { Redis } from 'ioredis';
import type { AccountKey } from '../model/directory.js';
import type { EventLog } from '../ports/event-log.js';
import { lockoutNetwork, unmapIPv4 } from '../net/client-address.js';
import { RECORD_FAILURE, RELEASE_ATTEMPT, RESERVE_ATTEMPT } from './lockout-scripts.js';

/**
 * The protocol a login attempt is counted for: one of LoginProtocols, or a third-party listener's
 * own name (letters, digits, `-`, `_`). Each protocol keeps its own failure runs and lockouts.
 */
export type LoginProtocol = string;

/** The built-in login protocols (AltaVista §2.10: HTTP logins count as Administration). */
export const LoginProtocols = {
  POP3: 'POP3',
  IMAP: 'IMAP',
  SMTP: 'SMTP',
  Administration: 'Administration',
} as const;
export const LOGIN_PROTOCOLS: readonly LoginProtocol[] = Object.values(LoginProtocols);

const PREFIX = 'mw:lockout:';

export interface LockoutSettings {
  /** Consecutive failures from one address that lock it out (AltaVista LockoutThreshold, default 5). */
  threshold: number;
  /** Seconds: the longest gap between counted failures, and how long a lockout lasts (LockoutInterval, default 900). */
  intervalSeconds: number;
}

export const DEFAULT_LOCKOUT_SETTINGS: LockoutSettings = { threshold: 5, intervalSeconds: 900 };

export type LoginVerdict = 'ok' | 'bad-credentials' | 'locked-out';

interface LockoutScripts {
  mwReserveLoginAttempt(...args: (string | number)[]): Promise<number>;
  mwRecordLoginFailure(...args: (string | number)[]): Promise<number>;
  mwReleaseLoginAttempt(...args: (string | number)[]): Promise<number>;
}

/**
 * Break-in detection shared by every protocol and process (state in Redis). Failures are counted per
 * (account, protocol, client), the client being an IPv4 address or an IPv6 /64 (lockoutNetwork); at
 * the threshold that client is locked out of that account for that protocol, correct credentials
 * included, until the interval after its last failure. Other clients are unaffected. Events go to
 * the Security log.
 *
 * An attempt takes its place in the failure run before the credentials are checked (one Lua
 * script), so concurrent attempts can never check more than `threshold` passwords per run; a success
 * ends the run. See lockout-scripts.ts.
 *
 * Keys (prefix `mw:lockout:`):
 *   f:<protocol>:<account>:<client>  hash { attempts, failures, last } of the current run (expires)
 *   a:<protocol>:<account>           zset client → lockout end (ms), the account's `<Protocol>Lockout` view
 *   r:<protocol>:<account>           set of clients with a run, for a reset by account
 *   p:<account>                      set of protocols with runs, for a reset by account
 *   ip:<client>                      set of `<protocol>:<account>` with records, for a reset by address
 */
export class LockoutService {
  private readonly scripts: LockoutScripts;

  constructor(
    private readonly redis: Redis,
    private readonly events: EventLog,
    private readonly settings: LockoutSettings = DEFAULT_LOCKOUT_SETTINGS,
    private readonly now: () => number = Date.now,
  ) {
    redis.defineCommand('mwReserveLoginAttempt', { numberOfKeys: 5, lua: RESERVE_ATTEMPT });
    redis.defineCommand('mwRecordLoginFailure', { numberOfKeys: 2, lua: RECORD_FAILURE });
    redis.defineCommand('mwReleaseLoginAttempt', { numberOfKeys: 1, lua: RELEASE_ATTEMPT });
    this.scripts = redis as unknown as LockoutScripts;
  }

  /**
   * Runs a login attempt through the lockout rules: a locked-out client, or one with `threshold`
   * attempts already failed or being checked, is refused without checking the credentials;
   * otherwise `verify` decides and the outcome is recorded.
   */
  async attempt(
    protocol: LoginProtocol,
    account: AccountKey,
    address: string,
    verify: () => Promise<boolean>,
  ): Promise<LoginVerdict> {
    checkProtocol(protocol);
    const client = lockoutNetwork(address);
    const admitted = await this.scripts.mwReserveLoginAttempt(
      this.runKey(protocol, account, client),
      this.lockoutsKey(protocol, account),
      this.clientsKey(protocol, account),
      this.entriesKey(client),
      this.protocolsKey(account),
      client,
      this.now(),
      this.intervalMs,
      this.settings.threshold,
      `${protocol}:${accountName(account)}`,
      protocol,
    );
    if (!admitted) {
      await this.log('LoginFailure', protocol, account, address, 'login refused: address locked out');
      return 'locked-out';
    }
    let verified: boolean;
    try {
      verified = await verify();
    } catch (err) {
      await this.scripts.mwReleaseLoginAttempt(this.runKey(protocol, account, client));
      throw err;
    }
    if (verified) {
      await this.redis.del(this.runKey(protocol, account, client));
      return 'ok';
    }
    await this.recordFailure(protocol, account, address, client);
    return 'bad-credentials';
  }

  /** When this address's lockout ends, or null when it is not locked out. */
  async lockedUntil(protocol: LoginProtocol, account: AccountKey, address: string): Promise<Date | null> {
    const end = await this.redis.zscore(this.lockoutsKey(protocol, account), lockoutNetwork(address));
    return end !== null && Number(end) > this.now() ? new Date(Number(end)) : null;
  }

  /** The latest lockout end over all addresses (AltaVista `POP3Lockout` etc.), or null. */
  async latestLockout(protocol: LoginProtocol, account: AccountKey): Promise<Date | null> {
    const key = this.lockoutsKey(protocol, account);
    await this.redis.zremrangebyscore(key, '-inf', this.now());
    const [, end] = await this.redis.zrevrange(key, 0, 0, 'WITHSCORES');
    return end === undefined ? null : new Date(Number(end));
  }

  /**
   * Reset Mailbox: clears the account's records for the given protocols, by default for every
   * protocol that has any (third-party ones included), from every address.
   */
  async resetAccount(account: AccountKey, protocols?: readonly LoginProtocol[]): Promise<void> {
    const chosen = protocols ?? (await this.redis.smembers(this.protocolsKey(account)));
    for (const protocol of chosen) {
      const clients = await this.redis.smembers(this.clientsKey(protocol, account));
      await this.redis.del(
        this.lockoutsKey(protocol, account),
        this.clientsKey(protocol, account),
        ...clients.map((client) => this.runKey(protocol, account, client)),
      );
    }
    if (protocols === undefined) await this.redis.del(this.protocolsKey(account));
    else if (chosen.length > 0) await this.redis.srem(this.protocolsKey(account), ...chosen);
    await this.log('ResetMailbox', LoginProtocols.Administration, account, '', 'lockout records cleared');
  }

  /** Reset Domain a.b.c.d: clears every record of the address (of its /64 for IPv6). */
  async resetAddress(address: string): Promise<void> {
    const client = lockoutNetwork(address);
    const entries = await this.redis.smembers(this.entriesKey(client));
    const multi = this.redis.multi();
    for (const entry of entries) {
      const [protocol, name] = splitOnce(entry, ':');
      multi.zrem(`${PREFIX}a:${protocol}:${name}`, client);
      multi.srem(`${PREFIX}r:${protocol}:${name}`, client);
      multi.del(`${PREFIX}f:${protocol}:${name}:${client}`);
    }
    multi.del(this.entriesKey(client));
    await multi.exec();
  }

  private async recordFailure(
    protocol: LoginProtocol,
    account: AccountKey,
    address: string,
    client: string,
  ): Promise<void> {
    const end = await this.scripts.mwRecordLoginFailure(
      this.runKey(protocol, account, client),
      this.lockoutsKey(protocol, account),
      client,
      this.now(),
      this.intervalMs,
      this.settings.threshold,
    );
    await this.log('LoginFailure', protocol, account, address, 'login failed');
    if (end === 0) return;
    const until = new Date(end).toISOString();
    const where = client === unmapIPv4(address) ? 'address' : `network ${client}`;
    await this.log('Lockout', protocol, account, address, `${where} locked out until ${until}`);
  }

  private get intervalMs(): number {
    return this.settings.intervalSeconds * 1000;
  }

  private runKey(protocol: LoginProtocol, account: AccountKey, client: string): string {
    return `${PREFIX}f:${protocol}:${accountName(account)}:${client}`;
  }

  private lockoutsKey(protocol: LoginProtocol, account: AccountKey): string {
    return `${PREFIX}a:${protocol}:${accountName(account)}`;
  }

  private clientsKey(protocol: LoginProtocol, account: AccountKey): string {
    return `${PREFIX}r:${protocol}:${accountName(account)}`;
  }

  private protocolsKey(account: AccountKey): string {
    return `${PREFIX}p:${accountName(account)}`;
  }

  private entriesKey(client: string): string {
    return `${PREFIX}ip:${client}`;
  }

  private async log(
    type: string,
    protocol: string,
    account: AccountKey,
    address: string,
    text: string,
  ): Promise<void> {
    const params: Record<string, string> = { Protocol: protocol, Mailbox: accountName(account) };
    if (address) params.Address = unmapIPv4(address);
    await this.events.appendEvent({ log: 'Security', type, text, params });
  }
}

/** Protocol names are key fragments, and `:` separates them from the account in a reset by address. */
function checkProtocol(protocol: string): void {
  if (!/^[A-Za-z0-9_-]+$/.test(protocol)) {
    throw new Error(`login protocol ${JSON.stringify(protocol)}: use letters, digits, "-" and "_"`);
  }
}

function accountName(account: AccountKey): string {
  return `${account.name.toLowerCase()}@${account.domain}`;
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return [text.slice(0, at), text.slice(at + 1)];
}
