"""Rate limits counted in Redis, so that n replicas do not mean n times the guesses.

A sliding window per key: a sorted set of event times (Redis' own clock, so replicas'
clocks need not agree), trimmed and counted in one script, expiring with the window.
Keys hold a hash of the limited key (an address), never the address itself, and stay
bounded by the window: a flood of addresses costs memory for a minute at most.
"""

from __future__ import annotations

import hashlib
import secrets

import redis

from wallboard.state.ports import StoreUnavailable
from wallboard.state.redis.keys import Keys

# KEYS: the set; ARGV: window ms, limit, mode (1: hit, 0: look, 2: take, i.e. hit only under
# the limit, 3: refund the newest event), a random member suffix. Returns {count, wait ms}; a
# take that was refused answers count = limit + 1. One script: concurrent replicas never
# count past the limit.
WINDOW = """
if ARGV[3] == '3' then
  redis.call('ZPOPMAX', KEYS[1])
  return {0, 0}
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if ARGV[3] == '2' and count >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {limit + 1, math.max(1, tonumber(oldest[2]) + window - now)}
end
if ARGV[3] ~= '0' then
  redis.call('ZADD', KEYS[1], now, now .. ':' .. ARGV[4])
  redis.call('PEXPIRE', KEYS[1], window)
  count = count + 1
end
local wait = 0
if count >= limit and ARGV[3] ~= '2' then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  wait = tonumber(oldest[2]) + window - now
end
return {count, wait}
"""


class RedisLimiter:
    """``limit`` events per ``window`` seconds per key, shared by every replica."""

    def __init__(
        self, client: redis.Redis, keys: Keys, name: str, limit: int, window: float = 60.0
    ) -> None:
        self.client = client
        self.keys = keys
        self.name = name
        self.limit = limit
        self.window_ms = int(window * 1000)
        self._script = client.register_script(WINDOW)

    def _key(self, key: str) -> str:
        digest = hashlib.sha256(key.encode()).hexdigest()[:24]
        return self.keys.limit(self.name, digest)

    def _run(self, key: str, mode: str) -> tuple[int, float]:
        try:
            # A random member: two hits in the same millisecond are two events.
            args: list[int | str] = [self.window_ms, self.limit, mode, secrets.token_hex(4)]
            count, wait = self._script(keys=[self._key(key)], args=args)
        except redis.RedisError as exc:
            raise StoreUnavailable(f"rate limits: {exc}") from exc
        return int(count), max(0.0, int(wait) / 1000)

    def blocked(self, key: str) -> float:
        count, wait = self._run(key, "0")
        return wait if count >= self.limit else 0.0

    def hit(self, key: str) -> int:
        return self._run(key, "1")[0]

    def take(self, key: str) -> float:
        count, wait = self._run(key, "2")
        return wait if count > self.limit else 0.0

    def refund(self, key: str) -> None:
        self._run(key, "3")
