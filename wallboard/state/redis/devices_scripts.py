"""The Lua scripts behind :class:`RedisDeviceStore`: each DeviceStore method is one script.

Records are hashes of strings (times as Python ``repr``), so nothing is re-encoded on
the server and a float comes back exactly as written. ARGV[1] is always the wall's key
prefix; the per-record key names are built from it (see ``keys.Keys``).
A pending code's hash and its secret's key expire on their own (``PXAT``); the index
(a sorted set by expiry) is pruned by every script that counts.
"""

from __future__ import annotations

_HELPERS = """
local P = ARGV[1]
local function drop_pending(code)
  local h = P .. ':pairing:' .. code
  local secret = redis.call('HGET', h, 'secret_hash')
  if secret then redis.call('DEL', P .. ':pairing-secret:' .. secret) end
  redis.call('DEL', h)
  redis.call('ZREM', P .. ':pairing-index', code)
end
local function live_device(id)
  local d = P .. ':device:' .. id
  local revoked = redis.call('HGET', d, 'revoked_at')
  if revoked == false or revoked ~= '' then return nil end
  return d
end
"""

# ARGV: prefix, code, secret hash, address, created_at, expires_at, per_address, limit,
# expiry (unix ms). 1 added, 0 refused (too many waiting, or the code is taken).
ADD_PENDING = (
    _HELPERS
    + """
local index = P .. ':pairing-index'
redis.call('ZREMRANGEBYSCORE', index, '-inf', ARGV[5])
local mine = {}
for _, code in ipairs(redis.call('ZRANGE', index, 0, -1)) do
  local h = P .. ':pairing:' .. code
  local fields = redis.call('HMGET', h, 'address', 'created_at')
  if fields[1] == false then
    redis.call('ZREM', index, code)
  elseif fields[1] == ARGV[4] then
    table.insert(mine, {tonumber(fields[2]), code})
  end
end
table.sort(mine, function(a, b) return a[1] < b[1] end)
for i = 1, #mine - tonumber(ARGV[7]) + 1 do drop_pending(mine[i][2]) end
local h = P .. ':pairing:' .. ARGV[2]
if redis.call('ZCARD', index) >= tonumber(ARGV[8]) or redis.call('EXISTS', h) == 1 then
  return 0
end
redis.call('HSET', h, 'code', ARGV[2], 'secret_hash', ARGV[3], 'address', ARGV[4],
  'created_at', ARGV[5], 'expires_at', ARGV[6], 'device_id', '')
redis.call('PEXPIREAT', h, ARGV[9])
redis.call('SET', P .. ':pairing-secret:' .. ARGV[3], ARGV[2], 'PXAT', ARGV[9])
redis.call('ZADD', index, ARGV[6], ARGV[2])
return 1
"""
)

# ARGV: prefix, secret hash. The pending record's fields, or nil.
PENDING_BY_SECRET = """
local code = redis.call('GET', ARGV[1] .. ':pairing-secret:' .. ARGV[2])
if not code then return false end
return redis.call('HGETALL', ARGV[1] .. ':pairing:' .. code)
"""

# ARGV: prefix, code, now, id, name, page, paired_at, approved_by. 1 approved, else 0.
APPROVE = (
    _HELPERS
    + """
local h = P .. ':pairing:' .. ARGV[2]
local p = redis.call('HMGET', h, 'expires_at', 'device_id')
if not p[1] or tonumber(p[1]) <= tonumber(ARGV[3]) or p[2] ~= '' then return 0 end
redis.call('HSET', h, 'device_id', ARGV[4])
redis.call('HSET', P .. ':device:' .. ARGV[4], 'id', ARGV[4], 'name', ARGV[5], 'page', ARGV[6],
  'paired_at', ARGV[7], 'approved_by', ARGV[8], 'credential_hash', '', 'revoked_at', '')
redis.call('SADD', P .. ':devices', ARGV[4])
return 1
"""
)

# ARGV: prefix, secret hash, credential hash, now. The device's fields, or nil.
COLLECT = (
    _HELPERS
    + """
local code = redis.call('GET', P .. ':pairing-secret:' .. ARGV[2])
if not code then return false end
local p = redis.call('HMGET', P .. ':pairing:' .. code, 'expires_at', 'device_id')
if not p[1] or tonumber(p[1]) <= tonumber(ARGV[4]) or p[2] == '' then return false end
drop_pending(code)
local d = live_device(p[2])
if not d then return false end
redis.call('HSET', d, 'credential_hash', ARGV[3])
redis.call('SET', P .. ':credential:' .. ARGV[3], p[2])
return redis.call('HGETALL', d)
"""
)

# ARGV: prefix, credential hash. The device's fields (revoked or not: the caller checks).
BY_CREDENTIAL = """
local id = redis.call('GET', ARGV[1] .. ':credential:' .. ARGV[2])
if not id then return false end
return redis.call('HGETALL', ARGV[1] .. ':device:' .. id)
"""

# ARGV: prefix. Every device's fields, one list each.
DEVICES = """
local out = {}
for _, id in ipairs(redis.call('SMEMBERS', ARGV[1] .. ':devices')) do
  local fields = redis.call('HGETALL', ARGV[1] .. ':device:' .. id)
  if #fields > 0 then table.insert(out, fields) end
end
return out
"""

# ARGV: prefix, id, page. The moved device's fields, or nil (unknown or revoked).
MOVE = (
    _HELPERS
    + """
local d = live_device(ARGV[2])
if not d then return false end
redis.call('HSET', d, 'page', ARGV[3])
return redis.call('HGETALL', d)
"""
)

# ARGV: prefix, id, now. The revoked device's fields, or nil (unknown or revoked before).
REVOKE = (
    _HELPERS
    + """
local d = live_device(ARGV[2])
if not d then return false end
local credential = redis.call('HGET', d, 'credential_hash')
if credential and credential ~= '' then redis.call('DEL', P .. ':credential:' .. credential) end
redis.call('HSET', d, 'revoked_at', ARGV[3])
return redis.call('HGETALL', d)
"""
)

# ARGV: prefix, now. Codes waiting.
PENDING_COUNT = """
local index = ARGV[1] .. ':pairing-index'
redis.call('ZREMRANGEBYSCORE', index, '-inf', ARGV[2])
return redis.call('ZCARD', index)
"""
