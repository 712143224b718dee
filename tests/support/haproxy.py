"""A real HAProxy (Debian's /usr/sbin/haproxy) in front of wall replicas (docs/replicas.md)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from tests.support.daemons import Daemon, free_port

HAPROXY = "/usr/sbin/haproxy"

# The configuration docs/replicas.md documents. Traffic goes to ready replicas (/readyz);
# when none is ready (Redis down: every replica is 503 but still serves its last board,
# with the notice) it goes to any live one (/healthz) rather than to an error page.
# Websockets are quiet between heartbeats: "timeout tunnel" must outlast several.
CONFIG = """
global
    maxconn 4096

defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout tunnel 1h
    timeout client-fin 5s
    option redispatch
    option forwardfor
    retries 2

frontend wall
    bind 127.0.0.1:{port}
    use_backend ready if {{ nbsrv(ready) gt 0 }}
    default_backend alive

backend ready
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter 1s fall 2 rise 1
{servers}

backend alive
    balance roundrobin
    option httpchk GET /healthz
    http-check expect status 200
    default-server inter 1s fall 2 rise 1
{servers}
"""


def render(port: int, replicas: Sequence[str], check: bool = True) -> str:
    """``replicas``: "127.0.0.1:PORT" of each; ``check=False`` sends traffic regardless."""
    lines = [
        f"    server r{i} {address}{' check' if check else ''}"
        for i, address in enumerate(replicas)
    ]
    return CONFIG.format(port=port, servers="\n".join(lines))


@contextmanager
def haproxy(workdir: Path, replicas: Sequence[str], check: bool = True) -> Iterator[str]:
    """HAProxy in the foreground (``-db``) on a free port; yields its base URL."""
    port = free_port()
    cfg = workdir / "haproxy.cfg"
    cfg.write_text(render(port, replicas, check))
    daemon = Daemon("haproxy", [HAPROXY, "-db", "-f", str(cfg)], port, workdir, "/healthz")
    daemon.start(timeout=20)
    try:
        yield daemon.url
    finally:
        daemon.stop()
