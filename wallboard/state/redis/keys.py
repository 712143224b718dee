"""Redis key names under one prefix, and the server-side scripts that make writes safe.

Every write of the leader goes through ``WRITE``: it compares the writer's fencing
epoch with the current one and refuses (-1) when a newer leader has taken over,
so a leader that was paused or cut off can never overwrite the new one's board.
The sequence number is incremented in the same script, so it has no gaps but the
ones a subscriber misses.
"""

from __future__ import annotations

from dataclasses import dataclass

# KEYS: epoch, meta, board, the writer's list of taken webhooks; ARGV: epoch, version, at,
# channel, message ('' when only acknowledging), a new generation id, acks n, marker ttl s,
# n (entry, marker), then field, value, ... Returns {seq, version}, -1 for a stale epoch, -2
# when the epoch is gone (Redis lost its data: the lease went with it).
# The webhooks applied to the board written are acknowledged in the same script (removed
# from the taken list, marked applied), so an entry is either applied and written, or still
# taken. The version written is never below the floor that replicas raised (see
# RAISE_FLOOR) nor below the last one written. The generation names this line of sequence
# numbers: a meta hash that is gone (FLUSHALL, a Redis restarted without persistence, an
# evicted key) gets a new one, so a follower sees the reset at the next change. The version
# travels in the message's header ("seq\\nversion\\nbody"), the generation as the body's
# first field (a replica of the release before ignores it: rolling upgrades keep working).
WRITE = """
local current = redis.call('GET', KEYS[1])
if not current then return -2 end
if current ~= ARGV[1] then return -1 end
local acks = tonumber(ARGV[7])
for i = 9, 8 + 2 * acks, 2 do
  redis.call('LREM', KEYS[4], 1, ARGV[i])
  redis.call('SET', ARGV[i + 1], '1', 'EX', ARGV[8])
end
if ARGV[5] == '' then
  return {tonumber(redis.call('HGET', KEYS[2], 'seq') or '0'),
    tonumber(redis.call('HGET', KEYS[2], 'version') or '0')}
end
local gen = redis.call('HGET', KEYS[2], 'gen')
if not gen then
  gen = ARGV[6]
  redis.call('HSET', KEYS[2], 'gen', gen)
end
local seq = redis.call('HINCRBY', KEYS[2], 'seq', 1)
local version = math.max(tonumber(ARGV[2]),
  tonumber(redis.call('HGET', KEYS[2], 'floor') or '0'),
  tonumber(redis.call('HGET', KEYS[2], 'version') or '0'))
redis.call('HSET', KEYS[2], 'epoch', ARGV[1], 'version', version, 'at', ARGV[3])
for i = 9 + 2 * acks, #ARGV, 2 do redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1]) end
local body = '{"gen":"' .. gen .. '",' .. string.sub(ARGV[5], 2)
redis.call('PUBLISH', ARGV[4], seq .. '\\n' .. version .. '\\n' .. body)
return {seq, version}
"""

# KEYS: meta; ARGV: a replica's board version. A replica whose board counted further while
# Redis was away (its own stale sweep) tells the leader's next write to skip past it.
RAISE_FLOOR = """
if tonumber(redis.call('HGET', KEYS[1], 'floor') or '0') < tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'floor', ARGV[1])
end
return tonumber(redis.call('HGET', KEYS[1], 'floor'))
"""

# KEYS: epoch; ARGV: unix ms. Never below the clock: a Redis that lost its data (restarted
# without persistence) must not hand out an epoch an old leader still holds.
NEXT_EPOCH = """
local e = redis.call('INCR', KEYS[1])
local floor = tonumber(ARGV[1])
if e < floor then redis.call('SET', KEYS[1], ARGV[1]); e = floor end
return e
"""

# KEYS: lease; ARGV: holder, ttl ms. 1 if still ours (and extended), else 0.
RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
"""

RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

DEDUP_SECONDS = 24 * 3600  # how long "applied" is kept: senders retry for minutes to hours

# KEYS: applied marker, queue; ARGV: entry. 1 if queued, 0 if already applied. A retry of
# an entry that is queued or taken but not applied yet is queued again: the leader skips
# the second copy (the marker is set by the write that applied the first).
ENQUEUE_HOOK = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[1])
return 1
"""

# KEYS: epoch, index of taken lists, queue; ARGV: the leader's epoch, its taken list.
# Entries that an earlier leader took and never acknowledged (paused, cut off, killed)
# go back to the head of the queue, in order. -1 for a stale epoch.
REQUEUE_HOOKS = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
redis.call('ZADD', KEYS[2], ARGV[1], ARGV[2])
local moved = 0
for _, name in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[1])) do
  while redis.call('LMOVE', name, KEYS[3], 'RIGHT', 'LEFT') do moved = moved + 1 end
end
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -65)
return moved
"""


@dataclass(frozen=True)
class Keys:
    prefix: str

    def _k(self, name: str) -> str:
        return f"{self.prefix}:{name}"

    @property
    def lease(self) -> str:
        return self._k("lease")

    @property
    def epoch(self) -> str:
        return self._k("epoch")

    @property
    def meta(self) -> str:
        return self._k("meta")

    @property
    def board(self) -> str:
        return self._k("board")

    @property
    def channel(self) -> str:
        return self._k("changes")

    @property
    def lineage(self) -> str:
        return self._k("lineage")

    @property
    def leader_config(self) -> str:
        return self._k("leader-config")

    @property
    def hooks(self) -> str:
        return self._k("hooks")

    def hook_seen(self, digest: str) -> str:
        """Set when the webhook was applied (not when it was received)."""
        return self._k(f"hook-seen:{digest}")

    def hooks_taken(self, epoch: int) -> str:
        """The entries the leader of ``epoch`` took from the queue and has not acknowledged."""
        return self._k(f"hooks-taken:{epoch}")

    @property
    def hooks_taken_index(self) -> str:
        return self._k("hooks-taken")

    def limit(self, name: str, digest: str) -> str:
        return self._k(f"limit:{name}:{digest}")

    def config_of(self, replica: str) -> str:
        return self._k(f"config:{replica}")

    def wake(self, replica: str) -> str:
        """A channel (and a short-lived list) that wakes one replica's blocking reads on stop."""
        return self._k(f"wake:{replica}")

    # -- screens as devices (devices.py, fleet.py) -----------------------------------------
    # The device scripts build the per-record names below from the prefix themselves (one
    # Redis, not a cluster): ``<prefix>:pairing:<code>``, ``<prefix>:pairing-secret:<hash>``,
    # ``<prefix>:device:<id>``, ``<prefix>:credential:<hash>``; devices.py writes
    # ``<prefix>:pairing-page:<code>`` (the page a waiting screen asked for).
    @property
    def pairing_index(self) -> str:
        return self._k("pairing-index")

    @property
    def devices(self) -> str:
        return self._k("devices")

    @property
    def fleet_index(self) -> str:
        return self._k("fleet-replicas")

    def fleet_of(self, replica: str) -> str:
        return self._k(f"fleet:{replica}")

    @property
    def screens_channel(self) -> str:
        return self._k("screens")
