/**
 * The Redis Lua scripts behind LockoutService: each step of a login attempt is one script, so
 * concurrent attempts (from any process) cannot slip between the check and the count.
 *
 * A failure run is the hash `{ attempts, failures, last }`: `attempts` counts the attempts admitted
 * in the run (failed or still being checked), `failures` those that failed, `last` the time (ms) of
 * the latest one. A run ends one interval after `last`, or when a login succeeds.
 */

/**
 * Admits an attempt, counting it as a pending failure, unless the client is locked out or the run
 * already holds `threshold` attempts. Also records the run in the sets resets walk.
 * KEYS: run hash, account lockout zset, account clients set, client entries set, account protocols set.
 * ARGV: client, now ms, interval ms, threshold, client-entry member, protocol.
 * Returns 1 when admitted, 0 when refused.
 */
export const RESERVE_ATTEMPT = `
local now = tonumber(ARGV[2])
local interval = tonumber(ARGV[3])
local ending = tonumber(redis.call('ZSCORE', KEYS[2], ARGV[1]) or '0')
if ending > now then return 0 end
local run = redis.call('HMGET', KEYS[1], 'attempts', 'failures', 'last')
local attempts, failures = 0, 0
if now - tonumber(run[3] or '0') <= interval then
  attempts = tonumber(run[1] or '0')
  failures = tonumber(run[2] or '0')
end
if attempts >= tonumber(ARGV[4]) then return 0 end
redis.call('HSET', KEYS[1], 'attempts', attempts + 1, 'failures', failures, 'last', now)
redis.call('PEXPIRE', KEYS[1], interval)
-- the run outlives its hash by at most one interval: the sets may go after two
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('PEXPIRE', KEYS[3], interval * 2)
redis.call('SADD', KEYS[4], ARGV[5])
redis.call('PEXPIRE', KEYS[4], interval * 2)
redis.call('SADD', KEYS[5], ARGV[6])
redis.call('PEXPIRE', KEYS[5], interval * 2)
return 1
`;

/**
 * An admitted attempt failed. At `threshold` failures the client is locked out for one interval.
 * A run that a success ended meanwhile is started again by this failure.
 * KEYS: run hash, account lockout zset. ARGV: client, now ms, interval ms, threshold.
 * Returns the lockout end (ms) when this failure locked the client out, else 0.
 */
export const RECORD_FAILURE = `
local now = tonumber(ARGV[2])
local interval = tonumber(ARGV[3])
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
if failures > tonumber(redis.call('HGET', KEYS[1], 'attempts') or '0') then
  redis.call('HSET', KEYS[1], 'attempts', failures)
end
redis.call('HSET', KEYS[1], 'last', now)
redis.call('PEXPIRE', KEYS[1], interval)
if failures >= tonumber(ARGV[4]) then
  local ending = now + interval
  redis.call('ZADD', KEYS[2], ending, ARGV[1])
  -- every lockout in this set ends within one interval from now, so the set may go then
  redis.call('PEXPIRE', KEYS[2], interval)
  return ending
end
return 0
`;

/**
 * An admitted attempt could not be checked (the directory failed): it is no failure, so it gives
 * its place in the run back. KEYS: run hash.
 */
export const RELEASE_ATTEMPT = `
if tonumber(redis.call('HGET', KEYS[1], 'attempts') or '0') > 0 then
  redis.call('HINCRBY', KEYS[1], 'attempts', -1)
end
return 0
`;
