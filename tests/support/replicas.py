"""Wall replicas on one real Redis: `wallboard serve` processes with `[state] backend = "redis"`."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.support.daemons import wait_until
from tests.support.process import ServerProcess, run_servers

TOKEN = "replica-test-token"
RATIO = (
    'sum by (team) (rate(http_requests_total{code=~"5.."}[10s]))'
    " / sum by (team) (rate(http_requests_total[10s]))"
)


class _AlertList(ThreadingHTTPServer):
    alerts: list[dict[str, Any]]


class _NoAlerts(BaseHTTPRequestHandler):
    server: _AlertList

    def do_GET(self) -> None:
        body = json.dumps(list(self.server.alerts)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def quiet_alertmanager(alerts: list[dict[str, Any]] | None = None) -> Iterator[str]:
    """An HTTP server answering Alertmanager's alert list with ``alerts`` (API v2 rows;
    by default "nothing firing").

    The replicas' alerts panel is fed by webhooks in these tests; its poll only has
    to succeed, so that /readyz (and HAProxy's check) depends on Redis alone. A test
    whose webhook must survive a poll lists the alert here too, as Alertmanager would.
    """
    server = _AlertList(("127.0.0.1", 0), _NoAlerts)
    server.alerts = [] if alerts is None else alerts
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.daemon = True
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def replica_config(
    prometheus_url: str,
    alertmanager_url: str,
    *,
    ttl: str = "2s",
    interval: str = "1s",
    stale_after: str = "30s",
) -> str:
    """Prometheus for a ratio panel, Alertmanager (webhooks only) for an alerts panel."""
    return f"""
[wall]
history = 30
stale_after = "{stale_after}"
heartbeat = "1s"

[state]
backend = "redis"
key_prefix = "walltest"
lease_ttl = "{ttl}"

[sources.prom]
type = "prometheus"
url = "{prometheus_url}"
interval = "{interval}"
timeout = "2s"

[sources.am]
type = "alertmanager"
url = "{alertmanager_url}"
interval = "1h"
timeout = "1s"
webhook_token_env = "AM_TOKEN"

[panels.ratio]
title = "5xx ratio"
source = "prom"
unit = "percent"
warn = 1.0
crit = 5.0
query = '{RATIO}'

[panels.alerts]
title = "Alerts"
source = "am"
kind = "alerts"

[teams.payments]
panels = ["ratio", "alerts"]

[teams.search]
panels = ["ratio"]
"""


def get_json(url: str, headers: dict[str, str] | None = None) -> tuple[int, Any, dict[str, str]]:
    try:
        request = urllib.request.Request(url, headers=headers or {})
        with urllib.request.urlopen(request, timeout=5) as resp:
            return resp.status, json.loads(resp.read()), dict(resp.headers)
    except urllib.error.HTTPError as err:
        with err:
            return err.code, json.loads(err.read() or b"null"), dict(err.headers)


def metric(server: ServerProcess, name: str) -> float:
    """One series of the replica's /metrics (a counter by its name without ``_total``)."""
    with urllib.request.urlopen(server.url + "/metrics", timeout=5) as resp:
        for line in resp.read().decode().splitlines():
            if line.startswith(name + " ") or line.startswith(name + "_total "):
                return float(line.split()[-1])
    raise AssertionError(f"no {name} in /metrics")


def state_of(server: ServerProcess) -> dict[str, Any]:
    _, body, _ = get_json(server.url + "/readyz")
    result: dict[str, Any] = body["state"]
    return result


def leader_of(servers: list[ServerProcess], timeout: float = 20.0) -> ServerProcess:
    """The one replica that holds the lease (fails unless exactly one does)."""
    found: list[ServerProcess] = []

    def one() -> bool:
        alive = [s for s in servers if s.proc.poll() is None]
        found[:] = [s for s in alive if state_of(s)["role"] == "leader"]
        return len(found) == 1

    wait_until(one, timeout, "exactly one leader")
    return found[0]


def config_path(directory: Path, index: int) -> Path:
    """Replica ``index``'s own config file (rewrite it and SIGHUP the replica to reload)."""
    return directory / f"replica{index}" / "config.toml"


@contextmanager
def replicas(
    directory: Path,
    count: int,
    redis_url: str,
    config: str,
    env: dict[str, str] | None = None,
) -> Iterator[list[ServerProcess]]:
    """``count`` replicas, each with its own copy of the same config file, started and
    stopped side by side."""
    full_env = {"WALLBOARD_REDIS_URL": redis_url, "AM_TOKEN": TOKEN, **(env or {})}
    paths = []
    for i in range(count):
        path = config_path(directory, i)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(config)
        paths.append(path)
    with run_servers(paths, env=full_env) as servers:
        yield servers


def post_alerts(url: str, body: dict[str, Any]) -> dict[str, Any]:
    """Post an Alertmanager webhook (the token every replica config here uses); its answer."""
    req = urllib.request.Request(
        url + "/hooks/alertmanager",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=5) as resp:
        assert resp.status == 200
        return json.loads(resp.read())  # type: ignore[no-any-return]
