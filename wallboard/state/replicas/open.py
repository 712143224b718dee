"""``[state] backend = "redis"``: connect, load the shared board, start the replica's threads."""

from __future__ import annotations

from typing import TYPE_CHECKING

import redis

from collectors.options import secret_in_file
from wallboard.config.model import ConfigError, ConfigIssue
from wallboard.state.replicas.keys import Keys
from wallboard.state.replicas.replica import Replica

if TYPE_CHECKING:
    from wallboard.wall import Wall


def open_replica(wall: Wall) -> Replica:
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
    # Short timeouts: a dead Redis must show as "unreachable" within a cycle, not hang.
    client = redis.Redis.from_url(
        url,
        decode_responses=True,
        socket_timeout=2.0,
        socket_connect_timeout=1.0,
        health_check_interval=5,
    )
    replica = Replica(wall, client, Keys(settings.key_prefix), settings.lease_ttl)
    replica.load()
    return replica
