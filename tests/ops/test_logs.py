"""Log lines: one per event, JSON when asked, request ids, configured secrets masked."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.live import demo_config, write_config
from wallboard.app import create_app
from wallboard.config.redact import secret_values
from wallboard.ops import logs
from wallboard.wall import wall

SECRET = "tok-0123456789abcdef"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    # logs.configure captured warnings into logging: let go, or a later test's capture
    # on this worker would be a no-op (logging keeps the first showwarning it replaced).
    logging.captureWarnings(False)
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def fail_with_secret(log: logging.Logger) -> None:
    try:
        raise RuntimeError(f"upstream said no to {SECRET}")
    except RuntimeError:
        log.exception("collection crashed with token %s", SECRET)


@pytest.mark.usefixtures("restore_logging")
def test_it_writes_a_traceback_as_one_masked_text_line() -> None:
    out = io.StringIO()
    logs.configure("text", secrets=lambda: [SECRET], stream=out)
    fail_with_secret(logging.getLogger("wallboard.test"))
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    assert "RuntimeError: upstream said no to [redacted]" in lines[0]
    assert "collection crashed with token [redacted]" in lines[0]
    assert SECRET not in out.getvalue()


@pytest.mark.usefixtures("restore_logging")
def test_it_writes_json_events_with_the_exception_masked() -> None:
    out = io.StringIO()
    logs.configure("json", secrets=lambda: [SECRET], stream=out)
    fail_with_secret(logging.getLogger("wallboard.test"))
    (line,) = out.getvalue().splitlines()
    event = json.loads(line)
    assert event["level"] == "error"
    assert event["logger"] == "wallboard.test"
    assert event["message"] == "collection crashed with token [redacted]"
    assert event["request_id"] == "-"
    assert "RuntimeError: upstream said no to [redacted]" in event["exception"]


@pytest.mark.usefixtures("restore_logging")
def test_it_tags_request_lines_with_a_sane_caller_id_or_a_new_one(tmp_path: Path) -> None:
    config = demo_config() + '\n[api]\ntokens_env = ["WALL_API_TOKEN"]\n'
    app = create_app(write_config(tmp_path, config), env={"WALL_API_TOKEN": SECRET})
    the_wall = wall(app)
    out = io.StringIO()
    logs.configure("json", secrets=lambda: secret_values(the_wall.config, the_wall.env), stream=out)
    client = app.test_client()
    kept = client.get(f"/healthz?token={SECRET}", headers={logs.HEADER: "req-0001-abc"})
    replaced = client.get("/healthz", headers={logs.HEADER: "bad id; with spaces"})
    assert kept.headers[logs.HEADER] == "req-0001-abc"
    assert replaced.headers[logs.HEADER] != "bad id; with spaces"
    assert len(replaced.headers[logs.HEADER]) == 32
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    access = [e for e in events if e["logger"] == "wallboard.access"]
    assert [e["request_id"] for e in access] == ["req-0001-abc", replaced.headers[logs.HEADER]]
    assert all(e["path"] == "/healthz" for e in access)
    assert SECRET not in out.getvalue()
