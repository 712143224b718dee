"""Real upstream servers (Prometheus, Alertmanager) as child processes on loopback ports."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import urllib3


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until(check: Callable[[], bool], timeout: float, what: str, every: float = 0.1) -> None:
    """Poll ``check`` until it is true, at most ``timeout`` seconds; fail naming ``what``."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return
        time.sleep(every)
    raise TimeoutError(f"{what} within {timeout:g} s")


class Daemon:
    """A binary started with fixed arguments, ready when ``ready_path`` answers 200.

    ``stop`` then ``start`` keeps the port and data directory: a restart, as an
    operator would do it.
    """

    def __init__(self, name: str, argv: list[str], port: int, workdir: Path, ready_path: str):
        self.name = name
        self.argv = argv
        self.port = port
        self.workdir = workdir
        self.ready_path = ready_path
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None
        # One keep-alive connection for the test's own reads, so they add no accepts.
        self.http = urllib3.PoolManager(maxsize=1, retries=False, timeout=5.0)

    def start(self, timeout: float = 30.0) -> None:
        log = (self.workdir / f"{self.name}.log").open("ab")
        self.process = subprocess.Popen(
            self.argv, stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir
        )
        log.close()
        wait_until(self._ready, timeout, f"{self.name} ready on {self.url}", every=0.1)

    def _ready(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            tail = (self.workdir / f"{self.name}.log").read_text()[-2000:]
            raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{tail}")
        try:
            return self.http.request("GET", self.url + self.ready_path).status == 200
        except urllib3.exceptions.HTTPError:
            return False

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        self.process = None
        self.http.clear()

    def get(self, path: str) -> urllib3.BaseHTTPResponse:
        return self.http.request("GET", self.url + path)
