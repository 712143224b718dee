"""``wallboard serve`` as a real subprocess on a free loopback port, for signal tests."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

SERVING = re.compile(r"serving http://[^:]+:(\d+)")


@dataclass
class ServerProcess:
    proc: subprocess.Popen[str]
    url: str = ""
    lines: list[str] = field(default_factory=list)
    reader: threading.Thread | None = None

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://")

    def log(self) -> str:
        return "\n".join(self.lines)

    def wait_for_log(self, needle: str, timeout: float = 10.0) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for line in list(self.lines):
                if needle in line:
                    return line
            time.sleep(0.05)
        raise AssertionError(f"never logged {needle!r}; log:\n{self.log()}")

    def signal(self, signum: int) -> None:
        self.proc.send_signal(signum)


def terminate(proc: subprocess.Popen) -> None:  # type: ignore[type-arg]
    """SIGTERM (the graceful path), then kill if it has not left within 10 s."""
    stop_all([proc])


def stop_all(procs: Sequence[subprocess.Popen], grace: float = 10.0) -> None:  # type: ignore[type-arg]
    """SIGTERM to every one still running, then wait for all of them together: they
    shut down side by side. Any still running after ``grace`` seconds is killed."""
    running = [proc for proc in procs if proc.poll() is None]
    for proc in running:
        proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for proc in running:
        try:
            proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "wallboard", *args]


def spawn(
    config: Path,
    *,
    extra: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    argv: Sequence[str] | None = None,
    cwd: Path | None = None,
) -> ServerProcess:
    """Start the server (``argv`` replaces the default command line); its output is read
    into ``lines`` as it comes. ``ready`` waits for it to serve; ``close`` stops it."""
    full_env = {**os.environ, "WALLBOARD_BUILD_ID": "proc-test", **(env or {})}
    args = (
        list(argv)
        if argv is not None
        else command("serve", "--config", str(config), "--host", "127.0.0.1", "--port", "0", *extra)
    )
    proc = subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=full_env,
        cwd=cwd,
    )
    server = ServerProcess(proc)

    def drain() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            server.lines.append(line.rstrip("\n"))

    server.reader = threading.Thread(target=drain, daemon=True)
    server.reader.start()
    return server


def ready(server: ServerProcess) -> None:
    """Wait until ``server`` says where it serves; set its ``url``."""
    line = server.wait_for_log("serving http://", timeout=20)
    match = SERVING.search(line)
    assert match, line
    server.url = f"http://127.0.0.1:{match.group(1)}"


def close(servers: Sequence[ServerProcess]) -> None:
    """Stop every server still running (side by side), then let go of their output."""
    stop_all([server.proc for server in servers])
    for server in servers:
        if server.reader is not None:
            server.reader.join(5)
        if server.proc.stdout is not None:
            server.proc.stdout.close()


@contextmanager
def run_server(
    config: Path,
    *,
    extra: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    argv: Sequence[str] | None = None,
    cwd: Path | None = None,
) -> Iterator[ServerProcess]:
    """Start the server (``argv`` replaces the default command line); stop it on exit."""
    server = spawn(config, extra=extra, env=env, argv=argv, cwd=cwd)
    try:
        ready(server)
        yield server
    finally:
        close([server])


@contextmanager
def run_servers(
    configs: Sequence[Path], *, env: Mapping[str, str] | None = None
) -> Iterator[list[ServerProcess]]:
    """A server per config file, all started at once; all stopped at once on exit."""
    servers: list[ServerProcess] = []
    try:
        for config in configs:
            servers.append(spawn(config, env=env))
        for server in servers:
            ready(server)
        yield servers
    finally:
        close(servers)
