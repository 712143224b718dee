"""``[state] backend = "redis"``: replicas share one board in Redis (docs/replicas.md).

:func:`open` is the one way in, and the one place where the store meets the Wall:
what leadership does to collection, the hub's notice, the board's and the
collections' changes and the webhook appliers are handed to the parts here, so no
part reaches into the Wall.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import redis

from collectors.options import secret_in_file
from wallboard.config.model import ConfigError, ConfigIssue
from wallboard.state.redis.facade import Replica
from wallboard.state.redis.keys import Keys
from wallboard.state.redis.leadership import Collecting, call_timeout

if TYPE_CHECKING:
    from wallboard.wall import Wall

    Applier = Callable[[Wall, str, Mapping[str, Any]], object]

__all__ = ["Replica", "open"]


def open(wall: Wall) -> Replica:
    """Connect, load the shared board (before the first page) and start the replica."""
    settings = wall.config.state
    # Two pools: the lease's renewals never queue behind a write, a pop or a resync.
    replica = Replica(
        _client(wall),
        _client(wall),
        Keys(settings.key_prefix),
        settings.lease_ttl,
        wall.board,
        sources=lambda: wall.sources,
        collecting=Collecting(
            running=lambda: not wall.poller.paused,
            start=wall.poller.resume,  # every source due now
            stop=wall.poller.pause,
        ),
        apply_push=lambda kind, sid, payload: _push(
            wall, wall.push_appliers.get(kind), sid, payload
        ),
        nudge=wall.hub.nudge,
    )
    replica.load()
    wall.board.changed.connect(replica.board_changed)
    wall.poller.collected.connect(lambda sid, seconds, error: replica.collected())
    wall.hub.notices.connect(replica.notice)
    replica.start()
    return replica


def _push(wall: Wall, apply: Applier | None, source_id: str, payload: Any) -> bool:
    """A queued webhook, applied as its route registered (False: no route for its kind)."""
    if apply is None:
        return False
    apply(wall, source_id, payload)
    return True


def _client(wall: Wall) -> redis.Redis:
    settings = wall.config.state
    if settings.redis_url_file:
        url = secret_in_file(settings.redis_url_file)
        where, what = "state.redis_url_file", f'the file "{settings.redis_url_file}"'
    else:
        url = wall.env.get(settings.redis_url_env)
        where, what = "state.redis_url_env", f"environment variable {settings.redis_url_env}"
    if not url:
        issue = ConfigIssue(where, f"{what} is not set or empty (the Redis URL)")
        raise ConfigError(wall.config.path, [issue])
    # Every call ends within a quarter of the TTL (under TTL/3, one renewal period): a
    # blackholed link (no RST) must not hold the leader past its lease, nor show a dead
    # Redis as anything but "unreachable" for long.
    timeout = call_timeout(settings.lease_ttl)
    return redis.Redis.from_url(
        url,
        decode_responses=True,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        health_check_interval=5,  # its PING is a call like any other, under the same timeout
    )
