"""``[state] backend = "redis"``: connect, load the shared board, start the replica's threads."""

from __future__ import annotations

from typing import TYPE_CHECKING

import redis

from wallboard.config.model import ConfigError, ConfigIssue
from wallboard.state.replicas.keys import Keys
from wallboard.state.replicas.replica import Replica

if TYPE_CHECKING:
    from wallboard.wall import Wall


def open_replica(the_wall: Wall) -> Replica:
    settings = the_wall.config.state
    url = the_wall.env.get(settings.redis_url_env)
    if not url:
        issue = ConfigIssue(
            "state.redis_url_env",
            f"environment variable {settings.redis_url_env} is not set (the Redis URL)",
        )
        raise ConfigError(the_wall.config.path, [issue])
    # Short timeouts: a dead Redis must show as "unreachable" within a cycle, not hang.
    client = redis.Redis.from_url(
        url,
        decode_responses=True,
        socket_timeout=2.0,
        socket_connect_timeout=1.0,
        health_check_interval=5,
    )
    replica = Replica(the_wall, client, Keys(settings.key_prefix), settings.lease_ttl)
    replica.load()
    return replica
