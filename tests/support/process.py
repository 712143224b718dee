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
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "wallboard", *args]


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

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        line = server.wait_for_log("serving http://", timeout=20)
        match = SERVING.search(line)
        assert match, line
        server.url = f"http://127.0.0.1:{match.group(1)}"
        yield server
    finally:
        if proc.poll() is None:
            terminate(proc)
        reader.join(5)
        if proc.stdout is not None:
            proc.stdout.close()
