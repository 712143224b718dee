"""Every source kind against upstreams that trickle, flood or echo secrets (real sockets).

What a person at the wall would check: the panel says "timeout after N s" within
about N seconds, keeps its last value and is not green; the connection is let go;
a 50 MB answer is refused naming the cap while memory stays flat; a token the
upstream quotes back never reaches the screen, the API or /readyz.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest

from tests.faults.servers import FaultServer, Script, wait_until
from tests.faults.walls import (
    ENV,
    KINDS,
    TEAM,
    TOKEN,
    config_text,
    echo_script,
    good_answer,
    make_wall,
    shown,
    timed_collect,
)
from tests.support.live import serve_wall
from tests.support.screens import ScreenClient
from tests.support.tls import self_signed
from wallboard.app import create_app
from wallboard.views.team import team_view
from wallboard.wall import wall as wall_of

TIMEOUT = 2.0
TRICKLE = Script(pace=0.3, body=b'{"status": "success", "data": {}}' * 4)
MB = 1024 * 1024


@pytest.mark.parametrize("kind", KINDS)
def test_a_trickling_upstream_is_cut_at_its_total_deadline(tmp_path: Path, kind: str) -> None:
    with FaultServer(good_answer(kind)) as server:
        wall = make_wall(tmp_path, kind, server.url, timeout=TIMEOUT)
        try:
            wall.poller.collect("up")
            before = shown(wall)
            server.script = TRICKLE  # one byte every 0.3 s: each read alone is "fast"
            took = timed_collect(wall)
            after = shown(wall)
            # The cycle ends by its deadline (plus scheduling slack on a loaded machine).
            assert took < TIMEOUT + 1.0, f"{kind}: cycle took {took:.1f} s"
            text = json.dumps(after)
            assert "timeout after" in text, after
            assert after["status"] != "ok"  # never green while its value ages
            if kind == "prometheus":  # a metric keeps its last value (health: the check is down)
                assert before["value"] is not None and after["value"] == before["value"]
            # The upstream sees its connection closed: nothing is left reading from it.
            wait_until(lambda: server.open_connections == 0, 5, f"{kind} connection released")
        finally:
            wall.stop()


def test_a_trickle_inside_tls_is_cut_at_the_deadline_too(tmp_path: Path) -> None:
    tls = self_signed(tmp_path)
    trickle = Script(pace=0.3, content_type="text/plain", body=b"OK" * 50)
    with FaultServer(trickle, tls=tls) as server:
        path = tmp_path / "tls.toml"
        text = config_text("health", server.url, timeout=TIMEOUT)
        path.write_text(text.replace("fail_after = 1", f'fail_after = 1\nca_bundle = "{tls.cert}"'))
        wall = wall_of(create_app(path, env=ENV, build="faults"))
        try:
            took = timed_collect(wall)
            assert took < TIMEOUT + 1.0
            assert "timeout after" in json.dumps(shown(wall))
            wait_until(lambda: server.open_connections == 0, 5, "TLS connection released")
        finally:
            wall.stop()


def test_a_trickling_health_check_leaks_no_thread_across_cycles(tmp_path: Path) -> None:
    with FaultServer(Script(pace=0.3, content_type="text/plain", body=b"OK" * 50)) as server:
        wall = make_wall(tmp_path, "health", server.url, timeout=TIMEOUT)
        try:
            baseline = threading.active_count()
            counts = []
            for cycle in range(4):
                took = timed_collect(wall)
                assert took < TIMEOUT + 1.0
                wait_until(lambda: server.open_connections == 0, 5, "probe connection released")
                # The pool's one worker (and the watchdog) appear in the first cycle, and no
                # thread is added after it. The fault server's own handler thread ends just
                # after its connection closes: a leaked probe thread never would.
                limit = counts[0] if counts else baseline + 3
                wait_until(
                    lambda limit=limit: threading.active_count() <= limit,
                    5,
                    f"at most {limit} threads after cycle {cycle + 1} (baseline {baseline})",
                )
                counts.append(threading.active_count())
                assert "timeout after" in json.dumps(shown(wall))
        finally:
            wall.stop()


def test_a_trickling_check_never_starves_another_teams_checks(tmp_path: Path) -> None:
    # Two pool slots: leaked probe threads would fill them within two cycles.
    trickle = Script(pace=0.3, content_type="text/plain", body=b"OK" * 50)
    healthy = Script(content_type="text/plain", body=b"OK")
    with FaultServer(trickle) as slow, FaultServer(healthy) as fine:
        checks = "".join(
            f'[[teams.search.health]]\nname = "svc{n}"\nurl = "{fine.url}/{n}"\n' for n in range(3)
        )
        text = config_text("health", slow.url, timeout=TIMEOUT, extra="concurrency = 2")
        text += f'\n[teams.search]\npanels = ["main"]\n{checks}'
        path = tmp_path / "two-teams.toml"
        path.write_text(text)
        wall = wall_of(create_app(path, env=ENV, build="faults"))
        try:
            for _ in range(5):
                wall.poller.collect("up")
                search = team_view(wall.board, "search")["panels"][0]
                assert search["display"] == "3 / 3 up", search
                # The trickle is cut by its own timeout, or (a starved host wakes the probe
                # late) by the cycle's deadline: either way it shows down, with why.
                text = json.dumps(shown(wall))
                assert "timeout after" in text or "no answer before the cycle deadline" in text
        finally:
            wall.stop()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("framing", ["content-length", "until-close"])
def test_a_50_mb_answer_is_refused_at_the_cap_and_memory_stays_flat(
    tmp_path: Path, kind: str, framing: str
) -> None:
    huge = Script(huge=50 * MB, no_length=framing == "until-close")
    # health keeps its 1 MiB default; the other kinds show the cap is configurable.
    extra = "" if kind == "health" else f"max_body_bytes = {2 * MB}"
    with FaultServer(huge) as server:
        wall = make_wall(tmp_path, kind, server.url, timeout=5.0, extra=extra)
        process = psutil.Process()
        try:
            wall.poller.collect("up")  # warm up: first-cycle allocations are not growth
            before = process.memory_info().rss
            for _ in range(5):
                wall.poller.collect("up")
            grown = process.memory_info().rss - before
            text = json.dumps(shown(wall))
            assert "max_body_bytes" in text and "MiB cap" in text, text
            assert grown < 20 * MB, f"{kind}: RSS grew {grown / MB:.1f} MB over 5 cycles"
        finally:
            wall.stop()


def get_json(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.mark.parametrize("kind", ["prometheus", "sentry", "health"])
def test_a_secret_the_upstream_echoes_never_reaches_people(tmp_path: Path, kind: str) -> None:
    with FaultServer(echo_script(kind)) as server:
        path = tmp_path / "wall.toml"
        path.write_text(config_text(kind, server.url, timeout=TIMEOUT))
        with serve_wall(path, env=ENV, schedule=False) as live:
            live.wall.poller.collect("up")
            panel = shown(live.wall)
            assert "proxy refused" in json.dumps(panel), panel  # the echo did reach the board
            with ScreenClient(f"{live.ws_url}/ws/teams/{TEAM}") as screen:
                screen_text = json.dumps([screen.next(), screen.next()])
            api = get_json(f"{live.url}/api/v1/teams/{TEAM}")[1]
            ready = get_json(f"{live.url}/readyz")[1]
    for where, text in (("screen", screen_text), ("api", api), ("readyz", ready)):
        assert TOKEN not in text, f"{kind}: the token reached the {where}"
        assert "Bearer" not in text or "[redacted]" in text
