import type { Redis } from 'ioredis';
import type { AccountKey } from '../model/directory.js';
import type { EventLog } from '../ports/event-log.js';

/** The login protocols lockouts are counted for (AltaVista §2.10: HTTP logins count as Administration). */
export type LoginProtocol = 'POP3' | 'IMAP' | 'SMTP' | 'Administration';
export const LOGIN_PROTOCOLS: readonly LoginProtocol[] = ['POP3', 'IMAP', 'SMTP', 'Administration'];

const PREFIX = 'mw:lockout:';

export interface LockoutSettings {
  /** Consecutive failures from one address that lock it out (AltaVista LockoutThreshold, default 5). */
  threshold: number;
  /** Seconds: the longest gap between counted failures, and how long a lockout lasts (LockoutInterval, default 900). */
  intervalSeconds: number;
}

export const DEFAULT_LOCKOUT_SETTINGS: LockoutSettings = { threshold: 5, intervalSeconds: 900 };

export type LoginVerdict = 'ok' | 'bad-credentials' | 'locked-out';

/**
 * Break-in detection shared by every protocol and process (state in Redis). Failures are counted per
 * (account, protocol, client address); at the threshold that address is locked out of that account
 * for that protocol, correct credentials included, until the interval after its last failure.
 * Other addresses are unaffected. Events go to the Security log.
 *
 * Keys (prefix `mw:lockout:`):
 *   f:<protocol>:<account>:<ip>   hash { count, last } of the current failure run (expires)
 *   a:<protocol>:<account>        zset ip → lockout end (ms), the account's `<Protocol>Lockout` view
 *   r:<protocol>:<account>        set of addresses with a failure run, for a reset by account
 *   ip:<ip>                       set of `<protocol>:<account>` with records, for a reset by address
 */
export class LockoutService {
  constructor(
    private readonly redis: Redis,
    private readonly events: EventLog,
    private readonly settings: LockoutSettings = DEFAULT_LOCKOUT_SETTINGS,
    private readonly now: () => number = Date.now,
  ) {
    redis.defineCommand('mwRecordLoginFailure', { numberOfKeys: 4, lua: RECORD_FAILURE });
  }

  /**
   * Runs a login attempt through the lockout rules: a locked-out address is refused without
   * checking the credentials; otherwise `verify` decides and the outcome is recorded.
   */
  async attempt(
    protocol: LoginProtocol,
    account: AccountKey,
    ip: string,
    verify: () => Promise<boolean>,
  ): Promise<LoginVerdict> {
    if (await this.lockedUntil(protocol, account, ip)) {
      await this.log('LoginFailure', protocol, account, ip, 'login refused: address locked out');
      return 'locked-out';
    }
    if (await verify()) {
      await this.recordSuccess(protocol, account, ip);
      return 'ok';
    }
    await this.recordFailure(protocol, account, ip);
    return 'bad-credentials';
  }

  /** When this address's lockout ends, or null when it is not locked out. */
  async lockedUntil(protocol: LoginProtocol, account: AccountKey, ip: string): Promise<Date | null> {
    const end = await this.redis.zscore(this.accountKey(protocol, account), ip);
    return end !== null && Number(end) > this.now() ? new Date(Number(end)) : null;
  }

  /** The latest lockout end over all addresses (AltaVista `POP3Lockout` etc.), or null. */
  async latestLockout(protocol: LoginProtocol, account: AccountKey): Promise<Date | null> {
    const key = this.accountKey(protocol, account);
    await this.redis.zremrangebyscore(key, '-inf', this.now());
    const [, end] = await this.redis.zrevrange(key, 0, 0, 'WITHSCORES');
    return end === undefined ? null : new Date(Number(end));
  }

  async recordFailure(protocol: LoginProtocol, account: AccountKey, ip: string): Promise<Date | null> {
    const intervalMs = this.settings.intervalSeconds * 1000;
    const end = (await (
      this.redis as unknown as {
        mwRecordLoginFailure(...args: (string | number)[]): Promise<number>;
      }
    ).mwRecordLoginFailure(
      this.failureKey(protocol, account, ip),
      this.accountKey(protocol, account),
      this.runsKey(protocol, account),
      this.ipKey(ip),
      ip,
      this.now(),
      intervalMs,
      this.settings.threshold,
      `${protocol}:${accountName(account)}`,
    )) as number;
    await this.log('LoginFailure', protocol, account, ip, 'login failed');
    if (end === 0) return null;
    const until = new Date(end);
    await this.log('Lockout', protocol, account, ip, `address locked out until ${until.toISOString()}`);
    return until;
  }

  async recordSuccess(protocol: LoginProtocol, account: AccountKey, ip: string): Promise<void> {
    await this.redis
      .multi()
      .del(this.failureKey(protocol, account, ip))
      .srem(this.runsKey(protocol, account), ip)
      .exec();
  }

  /** Reset Mailbox: clears every record of the account, for every protocol and address. */
  async resetAccount(
    account: AccountKey,
    protocols: readonly LoginProtocol[] = LOGIN_PROTOCOLS,
  ): Promise<void> {
    for (const protocol of protocols) {
      const ips = await this.redis.smembers(this.runsKey(protocol, account));
      await this.redis.del(
        this.accountKey(protocol, account),
        this.runsKey(protocol, account),
        ...ips.map((ip) => this.failureKey(protocol, account, ip)),
      );
    }
    await this.log('ResetMailbox', 'Administration', account, '', 'lockout records cleared');
  }

  /** Reset Domain a.b.c.d: clears every record of the address. */
  async resetAddress(ip: string): Promise<void> {
    const entries = await this.redis.smembers(this.ipKey(ip));
    const multi = this.redis.multi();
    for (const entry of entries) {
      const [protocol, name] = splitOnce(entry, ':');
      multi.zrem(`${PREFIX}a:${protocol}:${name}`, ip);
      multi.srem(`${PREFIX}r:${protocol}:${name}`, ip);
      multi.del(`${PREFIX}f:${protocol}:${name}:${ip}`);
    }
    multi.del(this.ipKey(ip));
    await multi.exec();
  }

  private failureKey(protocol: LoginProtocol, account: AccountKey, ip: string): string {
    return `${PREFIX}f:${protocol}:${accountName(account)}:${ip}`;
  }

  private accountKey(protocol: LoginProtocol, account: AccountKey): string {
    return `${PREFIX}a:${protocol}:${accountName(account)}`;
  }

  private runsKey(protocol: LoginProtocol, account: AccountKey): string {
    return `${PREFIX}r:${protocol}:${accountName(account)}`;
  }

  private ipKey(ip: string): string {
    return `${PREFIX}ip:${ip}`;
  }

  private async log(
    type: string,
    protocol: string,
    account: AccountKey,
    ip: string,
    text: string,
  ): Promise<void> {
    const params: Record<string, string> = { Protocol: protocol, Mailbox: accountName(account) };
    if (ip) params.Address = ip;
    await this.events.appendEvent({ log: 'Security', type, text, params });
  }
}

function accountName(account: AccountKey): string {
  return `${account.name.toLowerCase()}@${account.domain}`;
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return [text.slice(0, at), text.slice(at + 1)];
}

/**
 * KEYS: failure hash, account lockout zset, account runs set, ip set.
 * ARGV: ip, now ms, interval ms, threshold, ip-set member.
 * A failure more than one interval after the previous one starts a new run. Returns the lockout end
 * (ms) when this failure reached the threshold, else 0.
 */
const RECORD_FAILURE = `
local now = tonumber(ARGV[2])
local interval = tonumber(ARGV[3])
local last = tonumber(redis.call('HGET', KEYS[1], 'last') or '0')
local count = 1
if now - last <= interval then count = tonumber(redis.call('HGET', KEYS[1], 'count') or '0') + 1 end
redis.call('HSET', KEYS[1], 'count', count, 'last', now)
redis.call('PEXPIRE', KEYS[1], interval)
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('PEXPIRE', KEYS[3], interval * 2)
redis.call('SADD', KEYS[4], ARGV[5])
redis.call('PEXPIRE', KEYS[4], interval * 2)
if count >= tonumber(ARGV[4]) then
  local ending = now + interval
  redis.call('ZADD', KEYS[2], ending, ARGV[1])
  -- every lockout in this set ends within one interval from now, so the set may go then
  redis.call('PEXPIRE', KEYS[2], interval)
  return ending
end
return 0
`;
