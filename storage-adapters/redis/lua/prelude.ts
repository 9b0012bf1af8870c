/**
 * Lua shared by every script (prepended to each). Every script takes the key prefix as ARGV[1] and
 * builds its key names from it, so the scripts address keys they were not handed in KEYS: fine on a
 * standalone Redis or a primary with replicas, NOT compatible with Redis Cluster (documented in
 * index.ts). The key layout is listed in keys.ts.
 *
 * Scripts validate everything before their first write: a Redis script that fails half-way does not
 * roll back, so an error reply must come before any change.
 */
export const PRELUDE = String.raw`
local P = ARGV[1]

local function split_flags(s)
  local t = {}
  for w in string.gmatch(s, '%S+') do t[#t + 1] = w end
  return t
end

local function has(list, item)
  for _, x in ipairs(list) do if x == item then return true end end
  return false
end

local function seen_count(flags)
  if has(split_flags(flags), '\\Seen') then return 1 end
  return 0
end

local function parse_body(entry)
  local size, blob = string.match(entry, '^(%d+) (.+)$')
  return tonumber(size), blob
end

local function release_blob(id)
  local k = P .. 'blob:' .. id
  if redis.call('EXISTS', k) == 0 then return end
  if redis.call('HINCRBY', k, 'refs', -1) <= 0 then
    local n = tonumber(redis.call('HGET', k, 'chunks') or '0')
    for i = 0, n - 1 do redis.call('DEL', k .. ':' .. i) end
    redis.call('DEL', k .. ':mime', k)
  end
end

local function new_folder(acct, path, special, subscribed)
  local fid = redis.call('INCR', P .. 'seq:folder')
  local now = tonumber(redis.call('TIME')[1])
  local uv = math.max(now, tonumber(redis.call('GET', P .. 'seq:uidvalidity') or '0') + 1)
  redis.call('SET', P .. 'seq:uidvalidity', uv)
  redis.call('HSET', P .. 'folders:' .. acct, path, fid)
  redis.call('HSET', P .. 'f:' .. fid, 'path', path, 'uidValidity', uv, 'uidNext', 1, 'highestModseq', 1,
    'subscribed', subscribed, 'messages', 0, 'unseen', 0, 'bytes', 0)
  if special ~= '' then redis.call('HSET', P .. 'f:' .. fid, 'specialUse', special) end
  return fid
end

-- Puts message uid into folder F (its MODSEQ, meta JSON, flags and body entry "<size> <blob id>"),
-- counts it in the folder's totals and takes a reference on its blob (unless adopting the
-- caller's: MailStore.append adoptReference). A structure JSON given becomes the blob's unless it
-- has one (blob:<id>:mime, once per body, deleted with it).
local function put_message(F, uid, modseq, meta, flags, size, blob, adopt, structure)
  redis.call('ZADD', F .. ':uids', uid, uid)
  redis.call('ZADD', F .. ':modseq', modseq, uid)
  redis.call('HSET', F .. ':meta', uid, meta)
  redis.call('HSET', F .. ':flags', uid, flags)
  redis.call('HSET', F .. ':body', uid, size .. ' ' .. blob)
  redis.call('HINCRBY', F, 'messages', 1)
  redis.call('HINCRBY', F, 'bytes', size)
  redis.call('HINCRBY', F, 'unseen', 1 - seen_count(flags))
  if not adopt then redis.call('HINCRBY', P .. 'blob:' .. blob, 'refs', 1) end
  if structure then redis.call('SET', P .. 'blob:' .. blob .. ':mime', structure, 'NX') end
end

-- The structure JSON of a blob ('' when it has none: a nil would end a reply table).
local function blob_structure(blob)
  return redis.call('GET', P .. 'blob:' .. blob .. ':mime') or ''
end

-- A message's delivery key (MailStore.append) goes with the message.
local function forget_delivery_key(F, uid)
  local key = redis.call('HGET', F .. ':dkeys', 'u:' .. uid)
  if key then redis.call('HDEL', F .. ':dkeys', 'u:' .. uid, 'k:' .. key) end
end

local function delete_folder(fid)
  local F = P .. 'f:' .. fid
  for _, entry in ipairs(redis.call('HVALS', F .. ':body')) do
    local _, blob = parse_body(entry)
    release_blob(blob)
  end
  redis.call('DEL', F, F .. ':uids', F .. ':modseq', F .. ':meta', F .. ':flags', F .. ':body', F .. ':dkeys')
end

-- Ordered tables: hash <tbl> (id -> JSON), and in hash idx:<tbl> the index keys the row was added
-- to ("z:<key>" sorted by insertion seq, "s:<key>" plain set, "k:<key>" a key owned by the row).
local function ot_add(tbl, id, json, specs)
  local seq = redis.call('INCR', P .. 'seq:order')
  redis.call('HSET', P .. tbl, id, json)
  redis.call('HSET', P .. 'idx:' .. tbl, id, table.concat(specs, '\n'))
  for _, spec in ipairs(specs) do
    local kind, key = string.sub(spec, 1, 1), P .. string.sub(spec, 3)
    if kind == 'z' then redis.call('ZADD', key, seq, id)
    elseif kind == 's' then redis.call('SADD', key, id) end
  end
end

local function ot_del(tbl, id)
  local specs = redis.call('HGET', P .. 'idx:' .. tbl, id)
  if not specs then return false end
  for spec in string.gmatch(specs, '[^\n]+') do
    local kind, key = string.sub(spec, 1, 1), P .. string.sub(spec, 3)
    if kind == 'z' then redis.call('ZREM', key, id)
    elseif kind == 's' then redis.call('SREM', key, id)
    else redis.call('DEL', key) end
  end
  redis.call('HDEL', P .. tbl, id)
  redis.call('HDEL', P .. 'idx:' .. tbl, id)
  return true
end

local function delete_account(domain, lc)
  local a = domain .. ':' .. lc
  for _, fid in ipairs(redis.call('HVALS', P .. 'folders:' .. a)) do delete_folder(fid) end
  for _, id in ipairs(redis.call('SMEMBERS', P .. 'route:to:' .. a)) do ot_del('route', id) end
  for _, id in ipairs(redis.call('ZRANGE', P .. 'link:a:' .. a, 0, -1)) do ot_del('link', id) end
  redis.call('DEL', P .. 'folders:' .. a, P .. 'member:' .. a, P .. 'idx:member:' .. a,
    P .. 'member:order:' .. a, P .. 'route:to:' .. a, P .. 'link:a:' .. a, P .. 'acct:' .. a)
  redis.call('ZREM', P .. 'accts', a)
  redis.call('ZREM', P .. 'accts:' .. domain, lc)
end
`;
