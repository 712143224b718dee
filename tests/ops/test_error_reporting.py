"""The wall's own errors reach Sentry through the real SDK transport, with no secret inside.

A loopback HTTP server plays the DSN host and records every envelope. The wall
runs in a child process because ``sentry_sdk.init`` is process-global.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.support.live import demo_config, write_config
from tests.support.paths import ROOT

pytestmark = pytest.mark.processes  # each test starts a process (make check skips it)

API_TOKEN = "tok-9f8e7d6c5b4a-api"
SLACK_SECRET = "slack-signing-4d3c2b1a"

# The child builds the real app, starts Sentry the way `wallboard serve` does, and
# serves one request whose handler fails with the secrets in its message and locals.
CHILD = """
import logging, sys
import sentry_sdk
from wallboard.app import create_app
from wallboard.wall import wall
from wallboard.ops import error_reporting as errors_sentry

app = create_app(sys.argv[1])
the_wall = wall(app)
print("sentry", "on" if errors_sentry.init(the_wall) else "off", flush=True)

@app.get("/boom")
def boom():
    token = the_wall.env["WALL_API_TOKEN"]
    logging.getLogger("wallboard.test").warning("calling upstream with %s", token)
    raise RuntimeError(f"forced failure, token {token}, secret {the_wall.env['SLACK_SECRET']}")

response = app.test_client().get(
    "/boom?token=" + the_wall.env["WALL_API_TOKEN"],
    headers={"Authorization": "Bearer " + the_wall.env["WALL_API_TOKEN"]},
)
print("status", response.status_code, flush=True)
sentry_sdk.flush(timeout=5)
"""

CONFIG_EXTRA = """
[api]
tokens_env = ["WALL_API_TOKEN"]

[slack]
signing_secret_env = "SLACK_SECRET"
"""


class Received:
    def __init__(self) -> None:
        self.requests: list[tuple[str, bytes]] = []
        self.lock = threading.Lock()


@contextmanager
def dsn_host() -> Iterator[tuple[str, Received]]:
    received = Received()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            with received.lock:
                received.requests.append((self.path, body))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield f"http://publickey@127.0.0.1:{server.server_port}/42", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def run_child(config: Path, dsn: str | None) -> str:
    env = {
        "PATH": "/usr/bin:/bin",
        "WALL_API_TOKEN": API_TOKEN,
        "SLACK_SECRET": SLACK_SECRET,
        "WALLBOARD_BUILD_ID": "build-1234",
    }
    if dsn:
        env["SENTRY_DSN"] = dsn
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def envelope_items(body: bytes) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    lines = body.split(b"\n")
    items = []
    i = 1  # line 0 is the envelope header
    while i + 1 < len(lines):
        header = json.loads(lines[i])
        payload = json.loads(lines[i + 1]) if lines[i + 1] else {}
        items.append((header, payload))
        i += 2
    return items


def test_it_sends_a_forced_error_to_the_dsn_host_without_any_secret(tmp_path: Path) -> None:
    text = demo_config().replace('title = "test wall"', 'title = "t"\nenvironment = "staging-test"')
    config = write_config(tmp_path, text + CONFIG_EXTRA)
    with dsn_host() as (dsn, received):
        out = run_child(config, dsn)
    assert "sentry on" in out
    assert "status 500" in out
    bodies = [body for path, body in received.requests if path == "/api/42/envelope/"]
    events = [
        payload
        for body in bodies
        for header, payload in envelope_items(body)
        if header.get("type") == "event"
    ]
    assert len(events) == 1, [b[:200] for b in bodies]
    event = events[0]
    assert event["release"] == "build-1234"
    assert event["environment"] == "staging-test"
    exception = event["exception"]["values"][-1]
    assert exception["type"] == "RuntimeError"
    assert exception["value"] == "forced failure, token [redacted], secret [redacted]"
    everything = b"".join(body for _, body in received.requests)
    assert API_TOKEN.encode() not in everything
    assert SLACK_SECRET.encode() not in everything
    assert b"[redacted]" in everything


def test_it_sends_nothing_when_no_dsn_is_set(tmp_path: Path) -> None:
    config = write_config(tmp_path, demo_config())
    with dsn_host() as (_, received):
        out = run_child(config, None)
    assert "sentry off" in out
    assert "status 500" in out
    assert received.requests == []
