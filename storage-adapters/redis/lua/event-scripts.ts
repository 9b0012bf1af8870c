/** Scripts for the event logs: `ev:seq:<log>` and `ev:time:<log>` index `ev:data:<log>` (id -> JSON). */

/**
 * ARGV: P, log, unixSeconds, timeMs, json. Allocates the sequence and writes the event in one step,
 * so a reader following `eventsAfter` never sees event n+1 before event n. Resolves the id.
 */
export const appendEvent = String.raw`
local seq = redis.call('INCR', P .. 'seq:event')
-- Never below the seconds of an imported identifier, so new ids sort after imported ones.
local sec = math.max(tonumber(ARGV[3]), tonumber(redis.call('GET', P .. 'seq:event-seconds') or '0'))
local id = sec .. '.' .. seq
redis.call('HSET', P .. 'ev:data:' .. ARGV[2], id, ARGV[5])
redis.call('ZADD', P .. 'ev:seq:' .. ARGV[2], seq, id)
redis.call('ZADD', P .. 'ev:time:' .. ARGV[2], ARGV[4], id)
redis.call('SADD', P .. 'ev:logs', ARGV[2])
return id
`;

/** ARGV: P, log, id, seconds, sequence, timeMs, json. Resolves 0 when the id is already there. */
export const importEvent = String.raw`
if redis.call('HEXISTS', P .. 'ev:data:' .. ARGV[2], ARGV[3]) == 1 then return 0 end
if tonumber(ARGV[5]) > tonumber(redis.call('GET', P .. 'seq:event') or '0') then redis.call('SET', P .. 'seq:event', ARGV[5]) end
if tonumber(ARGV[4]) > tonumber(redis.call('GET', P .. 'seq:event-seconds') or '0') then
  redis.call('SET', P .. 'seq:event-seconds', ARGV[4])
end
redis.call('HSET', P .. 'ev:data:' .. ARGV[2], ARGV[3], ARGV[7])
redis.call('ZADD', P .. 'ev:seq:' .. ARGV[2], ARGV[5], ARGV[3])
redis.call('ZADD', P .. 'ev:time:' .. ARGV[2], ARGV[6], ARGV[3])
redis.call('SADD', P .. 'ev:logs', ARGV[2])
return 1
`;

/** ARGV: P, beforeMs. Resolves how many events went. */
export const expireEvents = String.raw`
local count = 0
for _, log in ipairs(redis.call('SMEMBERS', P .. 'ev:logs')) do
  local ids = redis.call('ZRANGEBYSCORE', P .. 'ev:time:' .. log, '-inf', '(' .. ARGV[2])
  for _, id in ipairs(ids) do
    redis.call('HDEL', P .. 'ev:data:' .. log, id)
    redis.call('ZREM', P .. 'ev:seq:' .. log, id)
    redis.call('ZREM', P .. 'ev:time:' .. log, id)
  end
  count = count + #ids
  if redis.call('ZCARD', P .. 'ev:seq:' .. log) == 0 then redis.call('SREM', P .. 'ev:logs', log) end
end
return count
`;
