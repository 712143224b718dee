"""Slow, idle and half-open clients against ``wallboard serve``: probes always answer.

The server runs as a real process with ``ulimit -n 256``, so its connection cap
is the open-files limit (256 minus the descriptor reserve); the clients here
outnumber that cap, and every probe must still answer within a second or two.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.faults.servers import wait_until
from tests.support.live import demo_config, write_config
from tests.support.process import ServerProcess, run_server
from tests.support.screens import closed_by_server
from wallboard.server_caps import FD_RESERVE

pytestmark = pytest.mark.processes  # each test starts a process (make check skips it)

NOFILE = 256
CAP = NOFILE - FD_RESERVE  # what the server computes from its open-files limit


@contextmanager
def serve_with_nofile(path: Path) -> Iterator[ServerProcess]:
    code = (
        "import resource, sys\n"
        f"resource.setrlimit(resource.RLIMIT_NOFILE, ({NOFILE}, {NOFILE}))\n"
        "from wallboard.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    argv = [
        sys.executable,
        "-c",
        code,
        "serve",
        "--config",
        str(path),
        "--host",
        "127.0.0.1",
        "--port",
        "0",
    ]
    with run_server(path, argv=argv) as server:
        yield server


def probe(url: str) -> tuple[int, float]:
    started = time.monotonic()
    with urllib.request.urlopen(url, timeout=10) as answer:
        answer.read()
        return answer.status, time.monotonic() - started


@contextmanager
def slowloris(port: int, count: int, stop: threading.Event) -> Iterator[list[socket.socket]]:
    """``count`` clients each sending one header line per second, never finishing."""
    socks: list[socket.socket] = []
    for _ in range(count):
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            socks.append(sock)
        except OSError:
            continue

    def drip() -> None:
        n = 0
        while not stop.is_set() and n < 120:  # bounded: two minutes at most
            n += 1
            for sock in socks:
                try:
                    sock.sendall(f"X-Slow-{n}: {n}\r\n".encode())
                except OSError:
                    continue
            stop.wait(1.0)

    thread = threading.Thread(target=drip, daemon=True)
    thread.start()
    try:
        yield socks
    finally:
        stop.set()
        thread.join(timeout=5)
        for sock in socks:
            sock.close()


def test_slowloris_clients_are_cut_at_the_request_deadline(tmp_path: Path) -> None:
    text = demo_config("1s") + '\n[server]\nrequest_timeout = "2s"\nmax_screens = 10\n'
    with run_server(write_config(tmp_path, text)) as server:
        port = int(server.url.rsplit(":", 1)[1])
        stop = threading.Event()
        with slowloris(port, 20, stop) as socks:
            started = time.monotonic()
            # Each sends a header line a second: a per-read timeout would never fire.
            took = wait_until(
                lambda: all(closed_by_server(s) for s in socks), 15, "slow clients cut"
            )
            assert took < 2 + 3, f"cut after {took:.1f} s, the deadline is 2 s"
            assert time.monotonic() - started >= 1.5  # not before the deadline
            assert probe(server.url + "/healthz")[0] == 200


def test_probes_answer_under_slow_idle_and_half_open_clients_past_the_cap(
    tmp_path: Path,
) -> None:
    text = demo_config("1s") + '\n[server]\nrequest_timeout = "30s"\nmax_screens = 10\n'
    with serve_with_nofile(write_config(tmp_path, text)) as server:
        port = int(server.url.rsplit(":", 1)[1])
        stop = threading.Event()
        idle: list[socket.socket] = []
        half_open: list[socket.socket] = []
        try:
            with slowloris(port, CAP // 2, stop):
                for _ in range(CAP // 4):
                    idle.append(socket.create_connection(("127.0.0.1", port), timeout=5))
                for _ in range(CAP // 4):
                    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
                    sock.sendall(b"POST /hooks/alertmanager HTTP/1.1\r\nContent-Length: 99\r\n\r\n")
                    half_open.append(sock)
                # The server is full now (CAP connections, a 30 s deadline each): more come.
                for _ in range(40):
                    idle.append(socket.create_connection(("127.0.0.1", port), timeout=5))
                times = []
                for path in ("/healthz", "/readyz", "/metrics") * 5:
                    try:
                        status, took = probe(server.url + path)
                    except urllib.error.HTTPError as exc:
                        status, took = exc.code, 0.0
                    assert status in (200, 503), path  # /readyz may be 503 while warming up
                    times.append(took)
                assert max(times) < 3.0, times
        finally:
            for sock in idle + half_open:
                sock.close()
