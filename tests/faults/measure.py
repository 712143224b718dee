"""Measure each fault once: what the screen shows, how fast, memory and threads before/after.

Run: ``.venv/bin/python -m tests.faults.measure`` (about a minute); prints a
Markdown table for docs/hardening.md. Same loopback fault servers as the tests.
"""

from __future__ import annotations

import socket
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import psutil

from tests.faults.servers import FaultServer, Script
from tests.faults.walls import TOKEN, echo_script, good_answer, make_wall, shown
from tests.support.live import demo_config
from wallboard.app import create_app
from wallboard.server import WallServer

MB = 1024 * 1024
ROWS: list[tuple[str, str, str, str, str]] = []


def says(panel: dict[str, object]) -> str:
    """Status, display and the reason, from the panel or its first row (health checks)."""
    items = panel.get("items") or []
    reason = panel["error"] or (items[0]["detail"] if items else None)  # type: ignore[index]
    return f"{panel['status']}, {panel['display']!r}, {str(reason)[:60]!r}"


def rss() -> float:
    return psutil.Process().memory_info().rss / MB


def record(fault: str, run: Callable[[], tuple[str, float]]) -> None:
    mem, threads = rss(), threading.active_count()
    shows, took = run()
    time.sleep(0.5)  # let cut connections and finished threads go
    ROWS.append(
        (
            fault,
            shows,
            f"{took:.2f} s",
            f"{mem:.0f} → {rss():.0f} MB",
            f"{threads} → {threading.active_count()}",
        )
    )


def trickle(kind: str, tmp: Path) -> tuple[str, float]:
    with FaultServer(good_answer(kind)) as server:
        wall = make_wall(tmp, kind, server.url, timeout=2.0)
        wall.poller.collect("up")
        server.script = Script(pace=0.3, body=b'{"status": "success"}' * 8)
        started = time.monotonic()
        for _ in range(3):
            wall.poller.collect("up")
        took = (time.monotonic() - started) / 3
        panel = shown(wall)
        wall.stop()
    return says(panel), took


def huge(kind: str, tmp: Path, cycles: int, no_length: bool) -> tuple[str, float]:
    with FaultServer(Script(huge=50 * MB, no_length=no_length)) as server:
        wall = make_wall(tmp, kind, server.url, timeout=5.0)
        started = time.monotonic()
        for _ in range(cycles):
            wall.poller.collect("up")
        took = (time.monotonic() - started) / cycles
        panel = shown(wall)
        wall.stop()
    return f"{says(panel)} ({cycles} cycles)", took


def echo(kind: str, tmp: Path) -> tuple[str, float]:
    with FaultServer(echo_script(kind)) as server:
        wall = make_wall(tmp, kind, server.url, timeout=2.0)
        started = time.monotonic()
        wall.poller.collect("up")
        took = time.monotonic() - started
        panel = shown(wall)
        wall.stop()
    leaked = TOKEN in str(panel)
    return f"{says(panel)}; token shown: {leaked}", took


def slowloris(tmp: Path) -> tuple[str, float]:
    path = tmp / "demo.toml"
    path.write_text(demo_config("1s") + '\n[server]\nrequest_timeout = "3s"\n')
    app = create_app(path, build="measure")
    httpd = WallServer("127.0.0.1", 0, app, max_screens=10, timeout=3.0, max_connections=128)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    url = f"http://127.0.0.1:{httpd.server_port}/healthz"
    socks = []
    for _ in range(200):  # slow header senders and idle sockets, past the 128 cap
        sock = socket.create_connection(("127.0.0.1", httpd.server_port), timeout=5)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nX-a: 1\r\n")
        socks.append(sock)
    worst = 0.0
    for _ in range(10):
        started = time.monotonic()
        with urllib.request.urlopen(url, timeout=10) as answer:
            answer.read()
        worst = max(worst, time.monotonic() - started)
    time.sleep(3.5)  # past the request deadline: every slow client is cut
    alive = sum(1 for s in socks if _open(s))
    for sock in socks:
        sock.close()
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)
    shows = f"/healthz 200 (10/10), slow clients still open after 3.5 s: {alive}/200"
    return shows, worst


def _open(sock: socket.socket) -> bool:
    sock.settimeout(0.01)
    try:
        return sock.recv(1) != b""
    except TimeoutError:
        return True
    except OSError:
        return False


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="wallboard-measure-"))
    for kind in ("prometheus", "sentry", "health", "alertmanager"):
        record(
            f"{kind}: answer trickled 1 byte / 0.3 s (timeout 2 s)", lambda k=kind: trickle(k, tmp)
        )
    for framing, no_length in (("Content-Length", False), ("no length, streamed", True)):
        record(
            f"health: 50 MB answer every cycle ({framing}; 1 MiB cap)",
            lambda n=no_length: huge("health", tmp, 10, n),
        )
        record(
            f"prometheus: 50 MB answer every cycle ({framing}; 16 MiB cap)",
            lambda n=no_length: huge("prometheus", tmp, 5, n),
        )
    record("sentry: proxy echoes Authorization in its error", lambda: echo("sentry", tmp))
    record("health: proxy echoes Authorization in its error", lambda: echo("health", tmp))
    record("200 slowloris clients, cap 128, request_timeout 3 s", lambda: slowloris(tmp))
    print("| fault | what the screen shows | time to show | memory (RSS) | threads |")
    print("|---|---|---|---|---|")
    for row in ROWS:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
