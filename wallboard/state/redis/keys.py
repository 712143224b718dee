"""Redis key names under one prefix, and the server-side scripts that make writes safe.

Every write of the leader goes through ``WRITE``: it compares the writer's fencing
epoch with the current one and refuses (-1) when a newer leader has taken over,
so a leader that was paused or cut off can never overwrite the new one's board.
The sequence number is incremented in the same script, so it has no gaps but the
ones a subscriber misses.
"""

from __future__ import annotations

from dataclasses import dataclass

# KEYS: epoch, meta, board; ARGV: epoch, version, at, channel, message, field, value, ...
# Returns {seq, version}, or -1 for a stale epoch. The version written is never below the
# floor that replicas raised (see RAISE_FLOOR) nor below the last one written, and travels
# in the message's header: "seq\\nversion\\nbody".
WRITE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local seq = redis.call('HINCRBY', KEYS[2], 'seq', 1)
local version = math.max(tonumber(ARGV[2]),
  tonumber(redis.call('HGET', KEYS[2], 'floor') or '0'),
  tonumber(redis.call('HGET', KEYS[2], 'version') or '0'))
redis.call('HSET', KEYS[2], 'epoch', ARGV[1], 'version', version, 'at', ARGV[3])
for i = 6, #ARGV, 2 do redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1]) end
redis.call('PUBLISH', ARGV[4], seq .. '\\n' .. version .. '\\n' .. ARGV[5])
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

# KEYS: seen marker, queue; ARGV: ttl s, entry. 1 if queued, 0 if a duplicate.
ENQUEUE_HOOK = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  redis.call('RPUSH', KEYS[2], ARGV[2])
  return 1
end
return 0
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
        return self._k(f"hook-seen:{digest}")

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
    # ``<prefix>:device:<id>``, ``<prefix>:credential:<hash>``.
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
