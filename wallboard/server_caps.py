"""How many connections this server takes: the caps it computes, and the open-files
limit it raises, before it listens (the kernel's own limits are read in ``limits.py``).

Apart from the server class: these are decided once, at start, from the config and
the kernel; ``WallServer`` only enforces them.
"""

from __future__ import annotations

import logging
import resource
import sys
from typing import Any

from wallboard import limits

log = logging.getLogger(__name__)

HTTP_RESERVE = 32  # connections kept for probes, the API and pages beyond max_screens
HTTP_CONNECTIONS = 1024  # at most this many request threads (HTTP, handshakes) at once
FD_RESERVE = 128  # files, upstream pools, the listening socket


def connection_cap(max_screens: int) -> int:
    """Connections at once: ``max_screens`` plus HTTP_CONNECTIONS, within ``ulimit -n``."""
    return max(min(max_screens + HTTP_CONNECTIONS, descriptors()), 1)


def descriptors() -> int:
    """Descriptors for connections (screens and request threads): ``ulimit -n`` less a reserve."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return sys.maxsize if soft == resource.RLIM_INFINITY else soft - FD_RESERVE


def raise_open_files(needed: int, wanted: int | None = None) -> int:
    """Lift the soft ``ulimit -n`` towards ``wanted`` (one descriptor per connection)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target_wanted = max(needed, wanted or needed)
    if soft != resource.RLIM_INFINITY and soft < target_wanted:
        target = target_wanted if hard == resource.RLIM_INFINITY else min(target_wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, target), hard))
        soft = max(soft, target)
    return soft  # below ``needed``: limits.capacity lowers max_screens and says so


def effective_capacity(max_screens: int, **roots: Any) -> limits.Capacity:
    """``max_screens`` and the request threads, lowered to what the kernel allows (logged)."""
    cap = limits.capacity(
        max_screens,
        http_threads=HTTP_CONNECTIONS,
        reserve_fds=FD_RESERVE,
        reserve_threads=HTTP_RESERVE,
        **roots,
    )
    if cap.screens_limited_by is not None:
        log.warning(
            "server.max_screens lowered from %d to %d: that is all %s allows; raise it",
            cap.configured,
            cap.screens,
            cap.screens_limited_by,
        )
    if cap.threads_limited_by is not None:
        log.warning(
            "request threads capped at %d (pages, probes and handshakes at once, not screens): "
            "that is all %s allows; raise it",
            cap.request_threads,
            cap.threads_limited_by,
        )
    return cap
