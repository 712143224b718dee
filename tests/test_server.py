"""``wallboard serve`` as a real process: shutdown, connection caps, timeouts, logs."""

from __future__ import annotations

import contextlib
import json
import logging
import resource
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.screens.rawscreen import RawScreen
from tests.support.live import demo_config, write_config
from tests.support.process import command, run_server
from tests.support.screens import ScreenClient, closed_by_server
from wallboard.limits import FIXED_THREADS
from wallboard.server_caps import FD_RESERVE, HTTP_CONNECTIONS, HTTP_RESERVE, effective_capacity

pytestmark = pytest.mark.processes  # each test starts a process (make check skips it)


def status_of(url: str, headers: dict[str, str] | None = None, timeout: float = 5) -> int:
    try:
        request = urllib.request.Request(url, headers=headers or {})
        with urllib.request.urlopen(request, timeout=timeout):
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


def test_sigterm_closes_every_adopted_socket_with_1001(tmp_path: Path) -> None:
    # A 30 s heartbeat: the first screens wait unread while the others connect, and on a
    # loaded machine that outlasted 3 heartbeats of 1 s (the wall rightly dropped one, 1008).
    text = config_with("max_screens = 200", extra="").replace(
        'heartbeat = "1s"', 'heartbeat = "30s"'
    )
    path = write_config(tmp_path, text)
    with run_server(path) as server:
        screens = [RawScreen(f"{server.url}/ws/teams/payments") for _ in range(100)]
        for screen in screens:
            screen.wait_for(lambda m: m["type"] == "snapshot")
        server.signal(signal.SIGTERM)
        for screen in screens:
            screen.wait_closed(timeout=10)
        assert server.proc.wait(timeout=10) == 0
    assert [s.close_code for s in screens] == [1001] * len(screens)


def serve_with_nofile(path: Path, nofile: int) -> contextlib.AbstractContextManager[Any]:
    """``wallboard serve`` under ``ulimit -n nofile`` (soft and hard)."""
    code = (
        "import resource, sys\n"
        f"resource.setrlimit(resource.RLIMIT_NOFILE, ({nofile}, {nofile}))\n"
        "from wallboard.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    argv = [sys.executable, "-c", code, "serve", "--config", str(path)]
    return run_server(path, argv=[*argv, "--host", "127.0.0.1", "--port", "0"])


def test_the_thread_cap_keeps_probes_answering_under_slowloris_with_1000_screens(
    tmp_path: Path,
) -> None:
    # ulimit -n 1400 cannot hold the 5000 screens asked: the cap is lowered, and said so.
    nofile, screens_wanted = 1400, 1000
    effective = nofile - FD_RESERVE - HTTP_RESERVE
    text = config_with('max_screens = 5000\nrequest_timeout = "30s"').replace(
        'heartbeat = "1s"', 'heartbeat = "30s"'
    )
    with serve_with_nofile(write_config(tmp_path, text), nofile) as server:
        assert f"server.max_screens lowered from 5000 to {effective}" in server.log()
        assert "open files limit (ulimit -n" in server.log()
        with urllib.request.urlopen(server.url + "/metrics", timeout=5) as answer:
            assert f"wallboard_screens_max {effective}.0" in answer.read().decode()
        screens = [RawScreen(f"{server.url}/ws/teams/search") for _ in range(screens_wanted)]
        port = int(server.url.rsplit(":", 1)[1])
        # Request threads get what the screens leave of the descriptors: 1400 - 128 - 1000.
        threads = nofile - FD_RESERVE - screens_wanted
        flood: list[socket.socket] = []

        def slow_client() -> None:
            with contextlib.suppress(OSError):
                sock = socket.create_connection(("127.0.0.1", port), timeout=5)
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n")
                flood.append(sock)

        def probe_and_drip() -> None:
            # A probe that waited for a slow client's thread would wait out the request
            # timeout (30 s); one served at once takes milliseconds, or a few seconds on a
            # 2-core machine running the whole suite (3.4 s was seen at load average 30).
            started = time.monotonic()
            assert status_of(server.url + "/healthz", timeout=10) == 200
            assert time.monotonic() - started < 10.0
            for sock in flood:  # a header line each: a per-read timeout never fires
                with contextlib.suppress(OSError):
                    sock.sendall(b"X-Slow: 1\r\n")

        try:
            for screen in screens:
                screen.wait_for(lambda m: m["type"] == "snapshot")
            # Below the thread cap: every slow client keeps its thread (none is evicted).
            for _ in range(threads - 40):
                slow_client()
            probe_and_drip()
            assert not any(closed_by_server(sock) for sock in flood)
            # Past it: the longest-waiting slow clients make room, and probes still answer.
            for _ in range(100):
                slow_client()
            for _ in range(5):
                probe_and_drip()
            assert any(closed_by_server(sock) for sock in flood)
            with urllib.request.urlopen(server.url + "/readyz", timeout=5) as answer:
                ready = json.loads(answer.read())["screens"]
            assert ready["connected"] == screens_wanted  # no screen was evicted for them
            assert ready["max_screens"] == effective
            assert ready["screens_limited_by"].startswith("the open files limit")
        finally:
            for sock in flood:
                sock.close()
            for screen in screens:
                screen.close()


def fake_proc(root: Path, files: dict[str, str]) -> Path:
    """A /proc of fake files (what the kernel would show), for limits.capacity to read."""
    base = {
        "loadavg": "0.10 0.20 0.30 1/500 4242\n",  # 500 threads on the system
        "self/maps": "00400000-00452000 r-xp 0 08:02 173521 /usr/bin/python\n" * 100,
        "self/cgroup": "0::/wall.slice\n",
        "sys/fs/file-max": "9223372036854775807\n",
        "sys/fs/file-nr": "1000\t0\t9223372036854775807\n",
        "sys/kernel/pid_max": "4194304\n",
        "sys/kernel/threads-max": "200000\n",
        "sys/vm/max_map_count": "65530\n",
    }
    for name, text in {**base, **files}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def roomy_rlimits(which: int) -> tuple[int, int]:
    return (1_000_000, 1_000_000)


def test_kernel_limits_lower_max_screens_and_name_the_setting(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="wallboard.server_caps")
    proc = fake_proc(tmp_path / "proc", {"sys/fs/file-max": "6000\n"})
    cap = effective_capacity(20_000, proc=proc, cgroup=tmp_path / "cgroup", getrlimit=roomy_rlimits)
    # 6000 system-wide, 1000 in use, the descriptor and probe reserves kept.
    assert cap.screens == 6000 - 1000 - FD_RESERVE - HTTP_RESERVE
    assert cap.describe()["screens_limited_by"] == "fs.file-max (sysctl)"
    assert [r.getMessage() for r in caplog.records] == [
        f"server.max_screens lowered from 20000 to {cap.screens}: "
        "that is all fs.file-max (sysctl) allows; raise it"
    ]
    # Nothing lowered when the limits are roomy: no log line.
    caplog.clear()
    roomy = effective_capacity(
        20_000, proc=fake_proc(tmp_path / "roomy", {}), cgroup=tmp_path, getrlimit=roomy_rlimits
    )
    assert (roomy.screens, roomy.request_threads) == (20_000, HTTP_CONNECTIONS)
    assert caplog.records == []


@pytest.mark.parametrize(
    ("files", "nproc", "setting"),
    [
        ({}, 800, "RLIMIT_NPROC (ulimit -u)"),
        ({"sys/kernel/pid_max": "1000\n"}, None, "kernel.pid_max (sysctl)"),
        ({"sys/kernel/threads-max": "1000\n"}, None, "kernel.threads-max (sysctl)"),
        ({"sys/vm/max_map_count": "1100\n"}, None, "vm.max_map_count (sysctl)"),
        (
            {
                "self/cgroup": "4:pids:/wall\n",
                "../cgroup/pids/wall/pids.max": "700\n",
                "../cgroup/pids/wall/pids.current": "200\n",
            },
            None,
            "the cgroup's pids.max (docker --pids-limit)",
        ),
    ],
    ids=["nproc", "pid_max", "threads-max", "max_map_count", "pids.max"],
)
def test_thread_limits_cap_request_threads_not_screens(
    tmp_path: Path, files: dict[str, str], nproc: int | None, setting: str
) -> None:
    def rlimits(which: int) -> tuple[int, int]:
        if which == resource.RLIMIT_NPROC and nproc is not None:
            return (nproc, nproc)
        return roomy_rlimits(which)

    proc = fake_proc(tmp_path / "proc", files)
    cap = effective_capacity(20_000, proc=proc, cgroup=tmp_path / "cgroup", getrlimit=rlimits)
    assert cap.threads_limited_by == setting
    # 500 threads run already (pids.current: 200 in the cgroup), 100 maps are in use at two
    # per thread, and the server's own threads are kept aside.
    room = 800 - 500 if nproc else 1000 - 500
    assert cap.request_threads == room - FIXED_THREADS
    assert cap.screens == 20_000  # a screen holds a socket, not a thread
