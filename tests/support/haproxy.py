"""A real HAProxy (Debian's /usr/sbin/haproxy) in front of wall replicas (docs/replicas.md)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import urllib3

from tests.support.daemons import free_port, wait_until

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
    log = (workdir / "haproxy.log").open("ab")
    proc = subprocess.Popen([HAPROXY, "-db", "-f", str(cfg)], stdout=log, stderr=subprocess.STDOUT)
    log.close()
    url = f"http://127.0.0.1:{port}"
    http = urllib3.PoolManager(retries=False, timeout=2.0)

    def up() -> bool:
        if proc.poll() is not None:
            raise RuntimeError((workdir / "haproxy.log").read_text()[-2000:])
        try:
            return http.request("GET", url + "/healthz").status == 200
        except urllib3.exceptions.HTTPError:
            return False

    try:
        wait_until(up, 20, f"haproxy on {url}")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
