/** Scripts for domains, accounts and the ordered tables (members, routes, aliases, links). */

/** ARGV: P, name, createdAtMs. */
export const addDomain = String.raw`
local d = ARGV[2]
if redis.call('EXISTS', P .. 'domain:' .. d) == 1 then return redis.error_reply('EXISTS domain ' .. d) end
redis.call('HSET', P .. 'domain:' .. d, 'name', d, 'createdAt', ARGV[3])
redis.call('ZADD', P .. 'domains', 0, d)
return 1
`;

/** ARGV: P, name. Cascades over everything filed under the domain, through its index keys. */
export const deleteDomain = String.raw`
local d = ARGV[2]
if redis.call('EXISTS', P .. 'domain:' .. d) == 0 then return redis.error_reply('NOTFOUND domain ' .. d) end
for _, lc in ipairs(redis.call('ZRANGE', P .. 'accts:' .. d, 0, -1)) do delete_account(d, lc) end
for _, id in ipairs(redis.call('ZRANGE', P .. 'route:d:' .. d, 0, -1)) do ot_del('route', id) end
for _, id in ipairs(redis.call('SMEMBERS', P .. 'extalias:to:' .. d)) do ot_del('extalias', id) end
for _, id in ipairs(redis.call('SMEMBERS', P .. 'aliasdom:to:' .. d)) do ot_del('aliasdom', id) end
local prefix = 'domains/' .. d .. '/'
for _, path in ipairs(redis.call('ZRANGEBYLEX', P .. 'file:paths', '[' .. prefix, '(domains/' .. d .. '0')) do
  redis.call('HDEL', P .. 'file', path)
  redis.call('ZREM', P .. 'file:paths', path)
end
redis.call('DEL', P .. 'domain:' .. d, P .. 'accts:' .. d)
redis.call('ZREM', P .. 'domains', d)
return 1
`;

/** ARGV: P, domain, lcname, name, kind, credential, vars, attributes, createdAtMs. Account + INBOX. */
export const addAccount = String.raw`
local d, lc = ARGV[2], ARGV[3]
local a = d .. ':' .. lc
if redis.call('EXISTS', P .. 'domain:' .. d) == 0 then return redis.error_reply('NOTFOUND domain ' .. d) end
if redis.call('EXISTS', P .. 'acct:' .. a) == 1 then return redis.error_reply('EXISTS account ' .. ARGV[4] .. '@' .. d) end
local seq = redis.call('INCR', P .. 'seq:account')
redis.call('HSET', P .. 'acct:' .. a, 'domain', d, 'name', ARGV[4], 'seq', seq, 'kind', ARGV[5],
  'credential', ARGV[6], 'vars', ARGV[7], 'attributes', ARGV[8], 'createdAt', ARGV[9])
redis.call('ZADD', P .. 'accts', seq, a)
redis.call('ZADD', P .. 'accts:' .. d, seq, lc)
new_folder(a, 'INBOX', '', 1)
return seq
`;

/** ARGV: P, domain, lcname. */
export const deleteAccount = String.raw`
local d, lc = ARGV[2], ARGV[3]
if redis.call('EXISTS', P .. 'acct:' .. d .. ':' .. lc) == 0 then
  return redis.error_reply('NOTFOUND account ' .. lc .. '@' .. d)
end
delete_account(d, lc)
return 1
`;

/** ARGV: P, key, what, field, value: sets one field of an existing hash. */
export const setField = String.raw`
if redis.call('EXISTS', P .. ARGV[2]) == 0 then return redis.error_reply('NOTFOUND ' .. ARGV[3]) end
redis.call('HSET', P .. ARGV[2], ARGV[4], ARGV[5])
return 1
`;

/** ARGV: P, requiredKey ('' for none), requiredWhat, tbl, id, what, json, specs... */
export const orderedAdd = String.raw`
if ARGV[2] ~= '' and redis.call('EXISTS', P .. ARGV[2]) == 0 then return redis.error_reply('NOTFOUND ' .. ARGV[3]) end
if redis.call('HEXISTS', P .. ARGV[4], ARGV[5]) == 1 then return redis.error_reply('EXISTS ' .. ARGV[6]) end
local specs = {}
for i = 8, #ARGV do specs[#specs + 1] = ARGV[i] end
ot_add(ARGV[4], ARGV[5], ARGV[7], specs)
return 1
`;

/** ARGV: P, tbl, id, what. */
export const orderedDelete = String.raw`
if not ot_del(ARGV[2], ARGV[3]) then return redis.error_reply('NOTFOUND ' .. ARGV[4]) end
return 1
`;

/** ARGV: P, tbl, id, what, json: replaces the row, keeping its place. */
export const orderedReplace = String.raw`
if redis.call('HEXISTS', P .. ARGV[2], ARGV[3]) == 0 then return redis.error_reply('NOTFOUND ' .. ARGV[4]) end
redis.call('HSET', P .. ARGV[2], ARGV[3], ARGV[5])
return 1
`;
