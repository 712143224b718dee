"""A real nginx (Debian's /usr/sbin/nginx) in front of wall replicas, configured as the docs say.

The ``location`` and ``upstream`` come from the ```nginx block of docs/replicas.md itself
(only the listen address and the servers' addresses change), so the configuration the
docs give is the one the tests run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from tests.support.daemons import Daemon, free_port
from tests.support.paths import ROOT

NGINX = "/usr/sbin/nginx"
DOC = ROOT / "docs" / "replicas.md"
BLOCK = re.compile(r"```nginx\n(.*?)```", re.S)
SERVER = re.compile(r"^(\s*)server \S+:8080 (.*);$", re.M)


def documented() -> str:
    found = BLOCK.search(DOC.read_text())
    assert found, "docs/replicas.md lost its nginx configuration"
    return found.group(1)


def render(workdir: Path, port: int, replicas: Sequence[str]) -> str:
    """The documented ``upstream`` and ``server``, pointed at ``replicas`` on loopback."""
    text = documented()
    servers = SERVER.findall(text)
    assert servers, "no upstream servers in the documented nginx configuration"
    indent, options = servers[0]
    lines = "\n".join(f"{indent}server {address} {options};" for address in replicas)
    text = SERVER.sub("", text, count=len(servers))
    text = text.replace("upstream wall {\n", "upstream wall {\n" + lines, 1)
    text = text.replace("listen 80;", f"listen 127.0.0.1:{port};")
    temp = "\n".join(f"    {kind}_temp_path {workdir / kind};" for kind in ("client_body", "proxy"))
    return f"""
daemon off;
master_process off;
pid {workdir / "nginx.pid"};
error_log {workdir / "error.log"} info;
events {{ worker_connections 1024; }}
http {{
    access_log off;
{temp}
{text}
}}
"""


@contextmanager
def nginx(workdir: Path, replicas: Sequence[str]) -> Iterator[str]:
    """nginx in the foreground on a free port; yields its base URL."""
    port = free_port()
    cfg = workdir / "nginx.conf"
    cfg.write_text(render(workdir, port, replicas))
    argv = [NGINX, "-p", str(workdir), "-c", str(cfg), "-e", str(workdir / "error.log")]
    daemon = Daemon("nginx", argv, port, workdir, "/healthz")
    daemon.start(timeout=20)
    try:
        yield daemon.url
    finally:
        daemon.stop()
