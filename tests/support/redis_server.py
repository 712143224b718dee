"""A real Redis (Debian's /usr/bin/redis-server) on a loopback port, no persistence.

A test worker runs one server for its whole session; each test gets a database of
its own on it (``RedisDatabase``), empty when handed out.
"""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis

from tests.support.daemons import free_port, wait_until

REDIS_SERVER = "/usr/bin/redis-server"
DATABASES = 64  # handed out in turn, each flushed first


class RedisServer:
    """``stop`` then ``start`` keeps the port: Redis going away and coming back."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        argv = [
            REDIS_SERVER,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", str(self.workdir),
            "--save", "",
            "--appendonly", "no",
            "--databases", str(DATABASES),
        ]  # fmt: skip
        log = (self.workdir / "redis.log").open("ab")
        self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        wait_until(self._ping, 20, f"redis-server on port {self.port}")

    def _ping(self) -> bool:
        try:
            return bool(self.client().ping())
        except redis.RedisError:
            return False

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, decode_responses=True, socket_timeout=2)

    def pause(self) -> None:
        """Redis stops answering but keeps every key (a stalled host, a network partition)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGCONT)  # a paused server cannot act on SIGTERM
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        self.process = None


@contextmanager
def redis_server(workdir: Path) -> Iterator[RedisServer]:
    workdir.mkdir(parents=True, exist_ok=True)
    server = RedisServer(workdir)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class RedisDatabase:
    """One numbered database of a running ``RedisServer``: what a test sees as its Redis.

    Stopping, pausing and restarting act on the whole server (Redis going away); the
    ``store`` fixture brings it back after the test.
    """

    server: RedisServer
    index: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.server.port}/{self.index}"

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, decode_responses=True, socket_timeout=2)

    def start(self) -> None:
        self.server.start()

    def stop(self) -> None:
        self.server.stop()

    def pause(self) -> None:
        self.server.pause()

    def resume(self) -> None:
        self.server.resume()


def fresh_database(server: RedisServer, index: int) -> RedisDatabase:
    """Database ``index % DATABASES`` of ``server``, emptied; the server running again first
    if a test before stopped or paused it."""
    if server.process is None:
        server.start()
    else:
        server.resume()
    database = RedisDatabase(server, index % DATABASES)
    with database.client() as client:
        client.flushdb()
    return database
