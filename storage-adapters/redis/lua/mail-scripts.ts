/**
 * Scripts for folders, messages and blob references. Per folder `f:<fid>` holds the counters and
 * `f:<fid>:{uids,modseq,meta,flags,body}` the messages (see keys.ts). Flags are stored joined by
 * single spaces: IMAP flags are atoms, which cannot contain a space.
 */

/** Resolves the folder id of ARGV[2] (account id) / ARGV[3] (path) or returns NOTFOUND. */
const FOLDER = String.raw`
local fid = redis.call('HGET', P .. 'folders:' .. ARGV[2], ARGV[3])
if not fid then return redis.error_reply('NOTFOUND folder ' .. ARGV[3]) end
local F = P .. 'f:' .. fid
`;

/** ARGV: P, acct, path, specialUse (''), subscribed (0|1). Resolves the folder id. */
export const createFolder = String.raw`
if redis.call('EXISTS', P .. 'acct:' .. ARGV[2]) == 0 then return redis.error_reply('NOTFOUND account ' .. ARGV[2]) end
if redis.call('HEXISTS', P .. 'folders:' .. ARGV[2], ARGV[3]) == 1 then
  return redis.error_reply('EXISTS folder ' .. ARGV[3])
end
return new_folder(ARGV[2], ARGV[3], ARGV[4], ARGV[5])
`;

/** ARGV: P, acct, path. */
export const deleteFolder =
  FOLDER +
  String.raw`
delete_folder(fid)
redis.call('HDEL', P .. 'folders:' .. ARGV[2], ARGV[3])
return 1
`;

/** ARGV: P, acct, from, to. Moves the folder and its subfolders; ids (and so UIDVALIDITY) stay. */
export const renameFolder = String.raw`
local idx, from, to = P .. 'folders:' .. ARGV[2], ARGV[3], ARGV[4]
if redis.call('HEXISTS', idx, from) == 0 then return redis.error_reply('NOTFOUND folder ' .. from) end
local all = redis.call('HGETALL', idx)
local moves, moving = {}, {}
for i = 1, #all, 2 do
  local p = all[i]
  if p == from or string.sub(p, 1, #from + 1) == from .. '/' then
    moves[#moves + 1] = { p, to .. string.sub(p, #from + 1), all[i + 1] }
    moving[p] = true
  end
end
for _, m in ipairs(moves) do
  if redis.call('HEXISTS', idx, m[2]) == 1 and not moving[m[2]] then
    return redis.error_reply('EXISTS folder ' .. m[2])
  end
end
for _, m in ipairs(moves) do redis.call('HDEL', idx, m[1]) end
for _, m in ipairs(moves) do
  redis.call('HSET', idx, m[2], m[3])
  redis.call('HSET', P .. 'f:' .. m[3], 'path', m[2])
end
return #moves
`;

/** ARGV: P, acct, path, subscribed (0|1). */
export const setSubscribed =
  FOLDER +
  String.raw`
redis.call('HSET', F, 'subscribed', ARGV[4])
return 1
`;

/**
 * ARGV: P, acct, path, blobId, size, flags, metaJson, deliveryKey ('' for none), adopt (0|1),
 * structureJson. Resolves {uid, modseq, structure} (the blob's structure: the one given unless it
 * had one); when a message appended with the same delivery key is still in the folder, changes
 * nothing and resolves {uid, modseq, flags, metaJson, structure} of that message.
 */
export const append =
  FOLDER +
  String.raw`
local key = ARGV[8]
if key ~= '' then
  local known = redis.call('HGET', F .. ':dkeys', 'k:' .. key)
  if known then
    local _, blob = parse_body(redis.call('HGET', F .. ':body', known))
    return { tonumber(known), tonumber(redis.call('ZSCORE', F .. ':modseq', known)),
      redis.call('HGET', F .. ':flags', known), redis.call('HGET', F .. ':meta', known), blob_structure(blob) }
  end
end
local B = P .. 'blob:' .. ARGV[4]
if redis.call('EXISTS', B) == 0 then return redis.error_reply('NOTFOUND blob ' .. ARGV[4]) end
local uid = redis.call('HINCRBY', F, 'uidNext', 1) - 1
if key ~= '' then redis.call('HSET', F .. ':dkeys', 'k:' .. key, uid, 'u:' .. uid, key) end
local modseq = redis.call('HINCRBY', F, 'highestModseq', 1)
put_message(F, uid, modseq, ARGV[7], ARGV[6], ARGV[5], ARGV[4], ARGV[9] == '1', ARGV[10])
return { uid, modseq, blob_structure(ARGV[4]) }
`;

/**
 * ARGV: P, acct, path, from, to ('+inf' allowed), changedSince (0 = all). Flat
 * [uid, modseq, flags, meta, structure]*.
 */
export const listMessages =
  FOLDER +
  String.raw`
local uids = redis.call('ZRANGEBYSCORE', F .. ':uids', ARGV[4], ARGV[5])
local since = tonumber(ARGV[6])
local out = {}
for _, uid in ipairs(uids) do
  local modseq = tonumber(redis.call('ZSCORE', F .. ':modseq', uid))
  if modseq > since then
    out[#out + 1] = uid
    out[#out + 1] = tostring(modseq)
    out[#out + 1] = redis.call('HGET', F .. ':flags', uid)
    out[#out + 1] = redis.call('HGET', F .. ':meta', uid)
    local _, blob = parse_body(redis.call('HGET', F .. ':body', uid))
    out[#out + 1] = blob_structure(blob)
  end
end
return out
`;

/**
 * ARGV: P, acct, path, operation, unchangedSince ('' for none), flags, uid... All changed messages
 * share one new MODSEQ. Resolves { {uid, modseq, flags}..., {failedUid...} }.
 */
export const updateFlags =
  FOLDER +
  String.raw`
local op, us, given = ARGV[4], tonumber(ARGV[5]), split_flags(ARGV[6])
local next_modseq = tonumber(redis.call('HGET', F, 'highestModseq')) + 1
local updated, failed, changed = {}, {}, false
for i = 7, #ARGV do
  local uid = ARGV[i]
  local cur = redis.call('HGET', F .. ':flags', uid)
  if cur then
    local modseq = tonumber(redis.call('ZSCORE', F .. ':modseq', uid))
    if us and modseq > us then
      failed[#failed + 1] = tonumber(uid)
    else
      local old, new = split_flags(cur), {}
      if op == 'set' then
        for _, f in ipairs(given) do if not has(new, f) then new[#new + 1] = f end end
      elseif op == 'add' then
        for _, f in ipairs(old) do new[#new + 1] = f end
        for _, f in ipairs(given) do if not has(new, f) then new[#new + 1] = f end end
      else
        for _, f in ipairs(old) do if not has(given, f) then new[#new + 1] = f end end
      end
      local same = #new == #old
      for _, f in ipairs(new) do if not has(old, f) then same = false end end
      local joined = table.concat(new, ' ')
      if not same then
        redis.call('HSET', F .. ':flags', uid, joined)
        redis.call('ZADD', F .. ':modseq', next_modseq, uid)
        redis.call('HINCRBY', F, 'unseen', seen_count(cur) - seen_count(joined))
        modseq, changed = next_modseq, true
      end
      updated[#updated + 1] = { tonumber(uid), modseq, joined }
    end
  end
end
if changed then redis.call('HSET', F, 'highestModseq', next_modseq) end
return { updated, failed }
`;

/** ARGV: P, acct, path, uid... (none = every message). Resolves the removed UIDs, ascending. */
export const expunge =
  FOLDER +
  String.raw`
local candidates = {}
if #ARGV > 3 then
  for i = 4, #ARGV do candidates[#candidates + 1] = tonumber(ARGV[i]) end
  table.sort(candidates)
else
  for _, uid in ipairs(redis.call('ZRANGE', F .. ':uids', 0, -1)) do candidates[#candidates + 1] = tonumber(uid) end
end
local removed, prev = {}, nil
for _, uid in ipairs(candidates) do
  local flags = uid ~= prev and redis.call('HGET', F .. ':flags', uid)
  prev = uid
  if flags and has(split_flags(flags), '\\Deleted') then
    local size, blob = parse_body(redis.call('HGET', F .. ':body', uid))
    redis.call('ZREM', F .. ':uids', uid)
    redis.call('ZREM', F .. ':modseq', uid)
    redis.call('HDEL', F .. ':meta', uid)
    redis.call('HDEL', F .. ':flags', uid)
    redis.call('HDEL', F .. ':body', uid)
    forget_delivery_key(F, uid)
    redis.call('HINCRBY', F, 'messages', -1)
    redis.call('HINCRBY', F, 'bytes', -size)
    redis.call('HINCRBY', F, 'unseen', seen_count(flags) - 1)
    release_blob(blob)
    removed[#removed + 1] = uid
  end
end
if #removed > 0 then redis.call('HINCRBY', F, 'highestModseq', 1) end
return removed
`;

/** ARGV: P, acct, from, to, uid... Resolves flat [oldUid, newUid]*. */
export const copyMessages =
  FOLDER +
  String.raw`
local tfid = redis.call('HGET', P .. 'folders:' .. ARGV[2], ARGV[4])
if not tfid then return redis.error_reply('NOTFOUND folder ' .. ARGV[4]) end
local T = P .. 'f:' .. tfid
local uids = {}
for i = 5, #ARGV do uids[#uids + 1] = tonumber(ARGV[i]) end
table.sort(uids)
local modseq = tonumber(redis.call('HGET', T, 'highestModseq')) + 1
local out, prev = {}, nil
for _, uid in ipairs(uids) do
  local body = uid ~= prev and redis.call('HGET', F .. ':body', uid)
  prev = uid
  if body then
    local size, blob = parse_body(body)
    local flags = redis.call('HGET', F .. ':flags', uid)
    local new_uid = redis.call('HINCRBY', T, 'uidNext', 1) - 1
    put_message(T, new_uid, modseq, redis.call('HGET', F .. ':meta', uid), flags, size, blob)
    out[#out + 1] = uid
    out[#out + 1] = new_uid
  end
end
if #out > 0 then redis.call('HSET', T, 'highestModseq', modseq) end
return out
`;

/** ARGV: P, acct, path, uidValidity, uidNext, highestModseq. UIDNEXT and HIGHESTMODSEQ only grow. */
export const importFolderState =
  FOLDER +
  String.raw`
redis.call('HSET', F, 'uidValidity', ARGV[4])
if tonumber(ARGV[5]) > tonumber(redis.call('HGET', F, 'uidNext')) then redis.call('HSET', F, 'uidNext', ARGV[5]) end
if tonumber(ARGV[6]) > tonumber(redis.call('HGET', F, 'highestModseq')) then
  redis.call('HSET', F, 'highestModseq', ARGV[6])
end
return 1
`;

/**
 * ARGV: P, acct, path, blobId, size, flags, metaJson, uid, modseq, structureJson. Resolves 0 when
 * the UID exists.
 */
export const importMessage =
  FOLDER +
  String.raw`
local B = P .. 'blob:' .. ARGV[4]
if redis.call('EXISTS', B) == 0 then return redis.error_reply('NOTFOUND blob ' .. ARGV[4]) end
local uid, modseq = tonumber(ARGV[8]), tonumber(ARGV[9])
if redis.call('HEXISTS', F .. ':meta', uid) == 1 then return 0 end
put_message(F, uid, modseq, ARGV[7], ARGV[6], ARGV[5], ARGV[4], false, ARGV[10])
if uid + 1 > tonumber(redis.call('HGET', F, 'uidNext')) then redis.call('HSET', F, 'uidNext', uid + 1) end
if modseq > tonumber(redis.call('HGET', F, 'highestModseq')) then redis.call('HSET', F, 'highestModseq', modseq) end
return 1
`;

/** ARGV: P, blobId, delta (+1 | -1). Dropping the last reference deletes the body. */
export const blobRef = String.raw`
if redis.call('EXISTS', P .. 'blob:' .. ARGV[2]) == 0 then return redis.error_reply('NOTFOUND blob ' .. ARGV[2]) end
if ARGV[3] == '1' then
  redis.call('HINCRBY', P .. 'blob:' .. ARGV[2], 'refs', 1)
else
  release_blob(ARGV[2])
end
return 1
`;
