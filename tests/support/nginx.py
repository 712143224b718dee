"""A real nginx (Debian's /usr/sbin/nginx) in front of wall replicas, configured as the docs say.

The ``location`` and ``upstream`` come from the ```nginx block of docs/replicas.md itself
(only the listen address and the servers' addresses change), so the configuration the
docs give is the one the tests run.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import urllib3

from tests.support.daemons import free_port, wait_until
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
    log = (workdir / "nginx.out").open("ab")
    proc = subprocess.Popen(
        [NGINX, "-p", str(workdir), "-c", str(cfg), "-e", str(workdir / "error.log")],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    url = f"http://127.0.0.1:{port}"
    http = urllib3.PoolManager(retries=False, timeout=2.0)

    def up() -> bool:
        if proc.poll() is not None:
            raise RuntimeError((workdir / "error.log").read_text()[-2000:])
        try:
            return http.request("GET", url + "/healthz").status == 200
        except urllib3.exceptions.HTTPError:
            return False

    try:
        wait_until(up, 20, f"nginx on {url}")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
