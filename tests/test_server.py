"""``wallboard serve`` as a real process: shutdown, connection caps, timeouts, logs."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.support.live import demo_config, write_config
from tests.support.process import command, run_server
from tests.support.screens import ScreenClient
from wallboard.server import HTTP_RESERVE

pytestmark = pytest.mark.processes  # each test starts a process (make check skips it)


def status_of(url: str, headers: dict[str, str] | None = None) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=5):
            return 200
    except urllib.error.HTTPError as exc:
        return exc.code


def config_with(server: str, interval: str = "1s", extra: str = "") -> str:
    return demo_config(interval) + f"\n[server]\n{server}\n" + extra


def test_it_closes_screens_with_1001_and_exits_within_seconds_on_sigterm(tmp_path: Path) -> None:
    path = write_config(tmp_path, demo_config("1s"))
    with run_server(path) as server:
        screen = ScreenClient(server.ws_url + "/ws/teams/payments")
        screen.wait_for(lambda m: m["type"] == "snapshot")
        started = time.monotonic()
        server.signal(signal.SIGTERM)
        with pytest.raises(ConnectionClosed) as closed:
            for _ in range(100):
                screen.next(timeout=5)
        code = server.proc.wait(timeout=10)
        elapsed = time.monotonic() - started
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1001
    assert code == 0
    assert elapsed < 5, f"took {elapsed:.1f} s to exit"
    assert "received SIGTERM, shutting down" in server.log()


def test_it_refuses_screens_beyond_max_screens_but_keeps_answering_probes(tmp_path: Path) -> None:
    path = write_config(tmp_path, config_with("max_screens = 1"))
    with run_server(path) as server, ScreenClient(server.ws_url + "/ws/teams/payments") as one:
        one.wait_for(lambda m: m["type"] == "snapshot")
        with pytest.raises(InvalidStatus) as refused:
            ScreenClient(server.ws_url + "/ws/teams/search")
        assert refused.value.response.status_code == 503
        assert status_of(server.url + "/healthz") == 200
        # The first screen is unharmed by the refusal.
        assert one.wait_for(lambda m: m["type"] == "update")["team"] == "payments"


def test_idle_sockets_beyond_the_reserve_cannot_starve_probes(tmp_path: Path) -> None:
    # Connections are capped by the open-files limit, and the longest-waiting one is evicted
    # when full (tests/faults/test_slow_clients.py fills the cap itself).
    path = write_config(tmp_path, config_with("max_screens = 1"))
    with run_server(path) as server:
        port = int(server.url.rsplit(":", 1)[1])
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(1 + HTTP_RESERVE)]
        try:
            time.sleep(0.3)  # let the server accept them all
            assert status_of(server.url + "/healthz") == 200
        finally:
            for sock in idle:
                sock.close()


def status_of_or_none(url: str) -> int | None:
    try:
        return status_of(url)
    except (urllib.error.URLError, ConnectionError):
        return None


def test_it_drops_idle_http_connections_but_not_quiet_screens(tmp_path: Path) -> None:
    text = config_with('request_timeout = "1s"').replace('heartbeat = "1s"', 'heartbeat = "30s"')
    path = write_config(tmp_path, text)
    with run_server(path) as server:
        port = int(server.url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port)) as idle:
            idle.settimeout(5)
            started = time.monotonic()
            assert idle.recv(1024) == b""  # closed by the server, not by our timeout
            assert time.monotonic() - started < 4
        with ScreenClient(server.ws_url + "/ws/teams/payments") as screen:
            screen.wait_for(lambda m: m["type"] == "snapshot")
            time.sleep(2.5)  # the screen sends nothing for longer than the request timeout
            assert screen.wait_for(lambda m: m["type"] == "update")["team"] == "payments"


def test_it_logs_json_lines_with_request_ids_and_no_query_strings(tmp_path: Path) -> None:
    secret = "s3cr3t-api-token-value"
    text = config_with('log_format = "json"', extra='\n[api]\ntokens_env = ["WALL_API_TOKEN"]\n')
    path = write_config(tmp_path, text)
    with run_server(path, env={"WALL_API_TOKEN": secret}) as server:
        assert (
            status_of(f"{server.url}/healthz?token={secret}", {"X-Request-Id": "abc-12345"}) == 200
        )
        line = server.wait_for_log('"path": "/healthz"')
    events = [json.loads(raw) for raw in server.lines if raw.strip()]
    access = json.loads(line)
    assert access["request_id"] == "abc-12345"
    assert access["status"] == 200
    assert access["logger"] == "wallboard.access"
    assert any(e["message"].startswith("wallboard proc-test serving") for e in events)
    assert secret not in server.log()


def test_it_exits_non_zero_naming_the_key_path_when_the_config_is_bad(tmp_path: Path) -> None:
    path = write_config(tmp_path, config_with('request_timeout = "soon"'))
    done = subprocess.run(
        command("serve", "--config", str(path), "--port", "0"),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 1
    assert "server.request_timeout" in done.stderr


def test_it_exits_within_seconds_even_while_a_collection_hangs(tmp_path: Path) -> None:
    # A Prometheus that accepts and never answers: its collection waits out a 30 s timeout.
    hang = socket.socket()
    hang.bind(("127.0.0.1", 0))
    hang.listen(8)
    port = hang.getsockname()[1]
    extra = (
        f'\n[sources.prom]\ntype = "prometheus"\nurl = "http://127.0.0.1:{port}"\n'
        'interval = "1m"\ntimeout = "30s"\n'
        '\n[panels.prom_rate]\ntitle = "5xx"\nsource = "prom"\nunit = "percent"\n'
        'query = "sum by (team) (rate(x[5m]))"\n'
    )
    text = (
        demo_config("1s").replace('panels = ["error_rate"]', 'panels = ["error_rate", "prom_rate"]')
        + extra
    )
    try:
        with run_server(write_config(tmp_path, text)) as server:
            conn, _ = hang.accept()  # the collection is now in flight
            started = time.monotonic()
            server.signal(signal.SIGTERM)
            code = server.proc.wait(timeout=15)
            elapsed = time.monotonic() - started
            conn.close()
    finally:
        hang.close()
    assert code == 0
    assert elapsed < 5, f"took {elapsed:.1f} s to exit"
    assert "exiting now" in server.log()
